import { test } from "node:test";
import assert from "node:assert/strict";
import { Tensor, backward } from "../../src/tensor/tensor.js";
import { conv2d } from "../../src/tensor/index.js";
import { Rng } from "../../src/util/random.js";
import { BamsprodError } from "../../src/util/errors.js";
import { QuantConv2D, QuantDense, type ForwardContext } from "../../src/nn/index.js";
import { assertClose, autogradOf, awayFromZero, checkGradients, leaf, project, uniform } from "./helpers.js";

const ctx = (): ForwardContext => ({ training: true, rng: new Rng(1) });
const sgn = (v: number): number => (v >= 0 ? 1 : -1);
const ste = (v: number): number => (Math.abs(v) <= 1 ? 1 : 0);

test("QuantDense with ste_sign input and kernel: exact +-1 products and the STE pseudo-gradient", () => {
  const layer = new QuantDense({
    units: 3,
    inputQuantizer: "ste_sign",
    kernelQuantizer: "ste_sign",
    useBias: false,
  });
  layer.build([5], new Rng(2));
  const [kernelParam] = layer.parameters();
  assert.equal(kernelParam.binary, true);
  const w = kernelParam.tensor;
  w.data.set(awayFromZero(15, new Rng(3), 0.05, 1.4)); // some latent weights beyond the clip: zero gradient
  const x = leaf(awayFromZero(10, new Rng(4), 0.05, 1.6), [2, 5]);
  const y = layer.forward(x, ctx());
  const r = uniform(6, new Rng(5));
  const [gx, gw] = autogradOf(() => layer.forward(x, ctx()), [x, w], r);
  const expectY: number[] = [];
  const expectGx = new Float64Array(10);
  const expectGw = new Float64Array(15);
  for (let n = 0; n < 2; n++) {
    for (let o = 0; o < 3; o++) {
      let s = 0;
      for (let i = 0; i < 5; i++) {
        const xi = x.data[n * 5 + i];
        const wi = w.data[o * 5 + i];
        s += sgn(xi) * sgn(wi);
        expectGx[n * 5 + i] += r[n * 3 + o] * sgn(wi) * ste(xi);
        expectGw[o * 5 + i] += r[n * 3 + o] * sgn(xi) * ste(wi);
      }
      expectY.push(s);
    }
  }
  assert.deepEqual([...y.data], expectY);
  assertClose(gx, expectGx, 1e-6);
  assertClose(gw, expectGw, 1e-6);
  assert.ok(
    expectGw.some((v, i) => v === 0 && Math.abs(w.data[i]) > 1),
    "test covers clipped latent weights",
  );
});

test("QuantDense without an input quantizer (first layer): real input, binary kernel; bias is a float parameter", () => {
  const layer = new QuantDense({ units: 2, kernelQuantizer: "ste_sign" });
  layer.build([3], new Rng(6));
  const [k, b] = layer.parameters();
  assert.deepEqual([k.name, k.binary, b.name, b.binary], ["/kernel", true, "/bias", false]);
  b.tensor.data.set([0.5, -0.5]);
  const x = leaf(uniform(6, new Rng(7)), [2, 3]);
  // Gradient w.r.t. the real input and the bias is exact (the layer is linear in them).
  checkGradients(() => layer.forward(x, ctx()), [x, b.tensor]);
  const y = layer.forward(x, ctx());
  const expected = [0, 1].flatMap((n) =>
    [0, 1].map((o) =>
      [0, 1, 2].reduce((s, i) => s + x.data[n * 3 + i] * sgn(k.tensor.data[o * 3 + i]), b.tensor.data[o]),
    ),
  );
  assertClose(y.data, expected);
});

test("QuantDense with magnitude_aware_sign kernel: alpha-scaled products and gradient", () => {
  const layer = new QuantDense({ units: 2, kernelQuantizer: "magnitude_aware_sign", useBias: false });
  layer.build([3], new Rng(8));
  const w = layer.parameters()[0].tensor;
  w.data.set([0.2, -0.4, 0.6, -0.1, 0.3, 0.5]);
  const alpha = [0.4, 0.3];
  const x = leaf(uniform(3, new Rng(9)), [1, 3]);
  const y = layer.forward(x, ctx());
  assertClose(
    y.data,
    [0, 1].map((o) => alpha[o] * [0, 1, 2].reduce((s, i) => s + x.data[i] * sgn(w.data[o * 3 + i]), 0)),
  );
  const r = Float32Array.of(1, -2);
  const gw = autogradOf(() => layer.forward(x, ctx()), [w], r)[0];
  assertClose(
    gw,
    [0, 1].flatMap((o) => [0, 1, 2].map((i) => r[o] * x.data[i] * alpha[o])),
  );
});

test("QuantConv2D with quantizers: gradient = the conv gradient at the binarized operands, masked by |.| <= 1", () => {
  const layer = new QuantConv2D({
    filters: 2,
    kernelSize: 3,
    padding: "same",
    strides: 1,
    inputQuantizer: "ste_sign",
    kernelQuantizer: "ste_sign",
    useBias: false,
  });
  layer.build([2, 4, 4], new Rng(10));
  const w = layer.parameters()[0].tensor;
  w.data.set(awayFromZero(w.size, new Rng(11), 0.05, 1.3));
  const x = leaf(awayFromZero(2 * 2 * 4 * 4, new Rng(12), 0.05, 1.5), [2, 2, 4, 4]);
  const r = uniform(2 * 2 * 4 * 4, new Rng(13));
  const [gx, gw] = autogradOf(() => layer.forward(x, ctx()), [x, w], r);
  // Reference: plain convolution of the signs, then the STE masks.
  const xs = leaf(x.data.map(sgn), [...x.shape]);
  const ws = leaf(w.data.map(sgn), [...w.shape]);
  const ref = conv2d(xs, ws, null, { stride: 1, padding: 1 });
  assert.deepEqual([...layer.forward(x, ctx()).data], [...ref.data]);
  backward(project(ref, r));
  assertClose(
    gx,
    (xs.grad as Float32Array).map((g, i) => g * ste(x.data[i])),
    1e-5,
  );
  assertClose(
    gw,
    (ws.grad as Float32Array).map((g, i) => g * ste(w.data[i])),
    1e-5,
  );
  assert.deepEqual(layer.multiplyAccumulates([2, 4, 4]), { binary: 4 * 4 * 2 * 2 * 9, float: 0 });
});

test("QuantConv2D without quantizers has exact gradients (finite differences)", () => {
  const layer = new QuantConv2D({ filters: 1, kernelSize: [2, 3], strides: [1, 2], padding: [1, 0] });
  layer.build([1, 4, 5], new Rng(14));
  const params = layer.parameters().map((p) => p.tensor);
  assert.equal(layer.parameters()[0].binary, false);
  const x = leaf(uniform(20, new Rng(15)), [1, 1, 4, 5]);
  assert.deepEqual(layer.forward(x, ctx()).shape, [1, 1, 5, 2]);
  checkGradients(() => layer.forward(x, ctx()), [x, ...params]);
});

test("layers do not clip: kernelClip is refused, pointing at the optimizer's clip; null is still accepted", () => {
  assert.throws(
    () => new QuantDense({ units: 1, kernelQuantizer: "ste_sign", kernelClip: 1 as unknown as null }),
    (e: Error) => e instanceof BamsprodError && /kernelClip 1 .*optimizer's clip/.test(e.message),
  );
  const layer = new QuantConv2D({ filters: 1, kernelSize: 1, kernelQuantizer: "ste_sign", kernelClip: null });
  layer.build([2, 1, 1], new Rng(0));
  assert.ok(!("kernelClip" in layer.config()));
  assert.equal(layer.parameters()[0].binary, true, "the optimizer clips it because it is marked binary");
});

test("quantized layers reject magnitude_aware_sign as input quantizer and report complete configs", () => {
  assert.throws(
    () => new QuantDense({ units: 1, inputQuantizer: "magnitude_aware_sign" }),
    (e: Error) => e instanceof BamsprodError && /kernelQuantizer/.test(e.message),
  );
  const layer = new QuantConv2D({
    filters: 8,
    kernelSize: 3,
    padding: "same",
    inputQuantizer: { name: "swish_sign", beta: 3 },
    kernelQuantizer: "approx_sign",
    useBias: false,
  });
  layer.build([4, 6, 6], new Rng(0));
  const config = layer.config();
  assert.deepEqual(JSON.parse(JSON.stringify(config)), {
    filters: 8,
    kernelSize: [3, 3],
    strides: [1, 1],
    padding: [1, 1],
    inputChannels: 4,
    inputQuantizer: { name: "swish_sign", beta: 3 },
    kernelQuantizer: { name: "approx_sign" },
    useBias: false,
  });
  // The config rebuilds an equivalent layer.
  const rebuilt = new QuantConv2D(config as unknown as ConstructorParameters<typeof QuantConv2D>[0]);
  rebuilt.build([4, 6, 6], new Rng(0));
  assert.deepEqual(rebuilt.config(), config);
  const x = Tensor.from(uniform(4 * 36, new Rng(1)), [1, 4, 6, 6]);
  assert.deepEqual([...rebuilt.forward(x, ctx()).data], [...layer.forward(x, ctx()).data]);
});
