/** Residual models with trained-looking random state, for the export tests (no training needed). */
import {
  BatchNorm,
  buildModel,
  ChannelScale,
  QuantConv2D,
  RPReLU,
  RSign,
  type BuildOptions,
  type Layer,
  type Sequential,
} from "../../src/nn/index.js";
import { Rng } from "../../src/util/random.js";

/** Every layer, nested ones included, in model order. */
function walk(layers: readonly Layer[]): Layer[] {
  return layers.flatMap((l) => [l, ...walk(l.children?.() ?? [])]);
}

/**
 * Seeded weights, then random batch-norm statistics on the scale of the preceding product
 * (gamma 0 and negative gamma on the first channels), RSign thresholds, RPReLU shifts and
 * slopes, and channel scales, so that every parameter the export reads matters.
 */
export function randomResidualModel(
  name: "birealnet" | "reactnet",
  seed: number,
  options: BuildOptions = {},
): Sequential {
  const model = buildModel(name, { width: 8, blocks: [2, 2], seed, ...options });
  const rng = new Rng(seed + 1000);
  const around = (scale: number): number => (rng.uniform() - 0.5) * 2 * scale;
  let fanIn = 1;
  for (const layer of walk(model.layers)) {
    const data = layer.parameters().map((p) => p.tensor.data);
    if (layer instanceof QuantConv2D) fanIn = data[0].length / layer.filters;
    if (layer instanceof RSign) data[0].forEach((_, c) => (data[0][c] = around(0.5)));
    if (layer instanceof ChannelScale) data[0].forEach((_, c) => (data[0][c] = 0.2 + rng.uniform()));
    if (layer instanceof RPReLU) {
      for (const values of data) values.forEach((_, c) => (values[c] = around(0.6)));
    }
    if (!(layer instanceof BatchNorm)) continue;
    const [gamma, beta] = data;
    const [mean, variance] = layer.buffers().map((b) => b.data);
    for (let c = 0; c < mean.length; c++) {
      gamma[c] = c === 0 ? 0 : c === 1 ? -0.7 : 0.5 + rng.uniform();
      beta[c] = around(0.5);
      mean[c] = around(Math.sqrt(fanIn));
      variance[c] = fanIn * (0.2 + rng.uniform());
    }
  }
  return model;
}
