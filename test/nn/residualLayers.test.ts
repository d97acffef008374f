import { test } from "node:test";
import assert from "node:assert/strict";
import { Tensor } from "../../src/tensor/tensor.js";
import { add, addChannelBias, prelu, sub } from "../../src/tensor/index.js";
import { Rng } from "../../src/util/random.js";
import { BamsprodError } from "../../src/util/errors.js";
import {
  AvgPool2D,
  BatchNorm,
  ChannelScale,
  Conv2D,
  QuantConv2D,
  Residual,
  RPReLU,
  RSign,
  swishSignSmooth,
  type Layer,
} from "../../src/nn/index.js";
import {
  assertClose,
  autogradOf,
  awayFromZero,
  built,
  checkLayerGradients,
  evalCtx,
  leaf,
  trainCtx,
  uniform,
} from "./helpers.js";

/** The smooth functions whose derivatives the sign quantizers use as their gradient. */
const surrogates = {
  ste_sign: (v: number): number => Math.max(-1, Math.min(1, v)),
  approx_sign: (v: number): number => (v <= -1 ? -1 : v >= 1 ? 1 : 2 * v - v * Math.abs(v)),
  swish_sign: (v: number): number => swishSignSmooth(v),
} as const;

test("RSign: sign(x - t) per channel; gradients of x and t are the finite differences of its quantizer's smooth stand-in", () => {
  for (const [quantizer, smooth] of Object.entries(surrogates)) {
    const { layer, params } = built(
      new RSign({ quantizer: quantizer as keyof typeof surrogates }),
      [2, 2, 2],
    );
    const t = params[0];
    t.data.set([0.3, -0.4]);
    // x - t away from the kinks of the stand-ins (0 and +-1).
    const x = leaf(new Float32Array(3 * 8), [3, 2, 2, 2]);
    const offsets = awayFromZero(x.size, new Rng(11), 0.1, 0.85);
    for (let i = 0; i < x.size; i++) x.data[i] = offsets[i] + t.data[Math.floor(i / 4) % 2];
    const y = layer.forward(x, evalCtx());
    assert.deepEqual(
      [...y.data],
      [...x.data].map((v, i) => (Math.fround(v - t.data[Math.floor(i / 4) % 2]) >= 0 ? 1 : -1)),
    );
    const r = uniform(y.size, new Rng(12));
    const [gx, gt] = autogradOf(() => layer.forward(x, evalCtx()), [x, t], r);
    const loss = (): number => {
      let s = 0;
      for (let i = 0; i < x.size; i++) s += r[i] * smooth(x.data[i] - t.data[Math.floor(i / 4) % 2]);
      return s;
    };
    const h = 1e-3;
    for (const [tensor, grad] of [
      [x, gx],
      [t, gt],
    ] as const) {
      const fd = new Float32Array(tensor.size);
      for (let i = 0; i < tensor.size; i++) {
        const v = tensor.data[i];
        tensor.data[i] = v + h;
        const up = loss();
        tensor.data[i] = v - h;
        const down = loss();
        tensor.data[i] = v;
        fd[i] = (up - down) / (2 * h);
      }
      assertClose(grad, fd, 2e-3, 1e-2);
    }
    assert.deepEqual(
      layer.parameters().map((p) => p.name),
      ["/threshold"],
    );
  }
  assert.throws(() => new RSign({ quantizer: "magnitude_aware_sign" }), BamsprodError);
});

test("RPReLU: prelu(x - shift_in) + shift_out, bit-equal to the three ops; gradients match finite differences", () => {
  const { layer, params } = built(new RPReLU(), [3, 2, 2]);
  const [shiftIn, alpha, shiftOut] = params;
  shiftIn.data.set([0.2, -0.3, 0.05]);
  alpha.data.set([0.25, -0.5, 1.5]);
  shiftOut.data.set([-0.1, 0.4, 0]);
  const x = leaf(new Float32Array(2 * 12), [2, 3, 2, 2]);
  const away = awayFromZero(x.size, new Rng(13), 0.05, 1.5);
  for (let i = 0; i < x.size; i++) x.data[i] = away[i] + shiftIn.data[Math.floor(i / 4) % 3];
  const composed = addChannelBias(prelu(subChannelOf(x, shiftIn), alpha), shiftOut);
  assert.deepEqual([...layer.forward(x, evalCtx()).data], [...composed.data]);
  checkLayerGradients(layer, x, params);
  assert.deepEqual(
    layer.parameters().map((p) => p.name),
    ["/shift_in", "/alpha", "/shift_out"],
  );
});

/** x - b[c] through the engine's element-wise sub (b broadcast by hand). */
function subChannelOf(x: Tensor, b: Tensor): Tensor {
  const [, c] = x.shape;
  const per = x.size / (x.shape[0] * c);
  const wide = new Float32Array(x.size).map((_, i) => b.data[Math.floor(i / per) % c]);
  return sub(x, new Tensor(wide, x.shape));
}

test("ChannelScale: x * scale[c]; gradients match finite differences", () => {
  const { layer, params } = built(new ChannelScale({ initialScale: 0.5 }), [2, 3]);
  assert.deepEqual([...params[0].data], [0.5, 0.5]);
  params[0].data.set([0.7, -1.2]);
  const x = leaf(uniform(2 * 6, new Rng(14)), [2, 2, 3]);
  const y = layer.forward(x, evalCtx());
  assert.deepEqual(
    [...y.data],
    [...x.data].map((v, i) => Math.fround(v * params[0].data[Math.floor(i / 3) % 2])),
  );
  checkLayerGradients(layer, x, params);
});

test("Residual with a downsampling shortcut: block(x) + shortcut(x); gradients through both paths", () => {
  const block = [
    new Conv2D({ filters: 3, kernelSize: 3, strides: 2, padding: 1, useBias: false }),
    new BatchNorm(),
  ];
  const shortcut = [
    new AvgPool2D({ poolSize: 2 }),
    new Conv2D({ filters: 3, kernelSize: 1 }),
    new BatchNorm(),
  ];
  const { layer, params } = built(new Residual(block, { shortcut }), [2, 4, 4]);
  assert.deepEqual(layer.outputShape([2, 4, 4]), [3, 2, 2]);
  const x = leaf(uniform(2 * 32, new Rng(15)), [2, 2, 4, 4]);
  checkLayerGradients(layer, x, params, trainCtx);
  const run = (layers: Layer[]): Tensor => layers.reduce((t, l) => l.forward(t, evalCtx()), x);
  assert.deepEqual([...layer.forward(x, evalCtx()).data], [...add(run(shortcut), run(block)).data]);
  const mismatch = new Residual([new Conv2D({ filters: 3, kernelSize: 1 })], {
    shortcut: [new AvgPool2D({ poolSize: 2 })],
  });
  assert.throws(() => mismatch.outputShape([3, 4, 4]), /both paths must give the same shape/);
});

test("QuantConv2D with inputIsBinary after RSign: the XNOR product equals the float product on the same +-1 input", () => {
  const options = {
    filters: 4,
    kernelSize: 3,
    padding: 1,
    kernelQuantizer: "ste_sign",
    useBias: false,
  } as const;
  const binary = built(new QuantConv2D({ ...options, inputIsBinary: true }), [3, 5, 5], 21).layer;
  const float = built(new QuantConv2D({ ...options }), [3, 5, 5], 21).layer;
  assert.equal(binary.binaryProduct, true);
  assert.equal(float.binaryProduct, false);
  const signs = new RSign();
  signs.build([3, 5, 5], new Rng(1));
  const x = signs.forward(new Tensor(uniform(2 * 75, new Rng(22)), [2, 3, 5, 5]), evalCtx());
  assert.deepEqual([...binary.forward(x, evalCtx()).data], [...float.forward(x, evalCtx()).data]);
  assert.equal(binary.multiplyAccumulates([3, 5, 5]).binary, 4 * 25 * 27);
  assert.equal(binary.config().inputIsBinary, true);
  assert.throws(
    () => new QuantConv2D({ ...options, inputIsBinary: true, inputQuantizer: "ste_sign" }),
    BamsprodError,
  );
});
