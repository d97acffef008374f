/**
 * Folding evaluation-mode batch-norm into the packed format.
 *
 * Followed by a sign, batch-norm only decides, per channel, which inputs give +1: a threshold.
 * To reproduce the float comparison exactly (rounding included, negative or zero gamma
 * included) the threshold is not derived from a formula but *measured* on the trained layer
 * itself: the model's own BatchNorm (evaluation mode) and its own sign quantizer are run on
 * candidate inputs.
 * - Integer inputs (a binary layer's sums, |s| <= fan-in K): every integer in [-K, K] is
 *   evaluated, so the threshold is checked on every input that can occur.
 * - Real inputs (a first layer fed real pixels): the float32 values are searched by bisection
 *   on their bit patterns; sign(fround(x * m + s)) is monotone in x because every step (a
 *   product, a sum, a rounding) is, so bisection finds the exact switching float32 value.
 *   The result is then probed around the switch and at +-0.
 * Kept as float (no sign after it, e.g. the logits' batch-norm), the layer becomes
 * y = fround(x * scale + shift) with scale and shift in double, computed the way the
 * training engine computes them, and checked against the layer (on every integer input for
 * integer domains).
 */
import type { BatchNorm } from "../nn/layers/batchNorm.js";
import type { Quantizer } from "../nn/quantizers/registry.js";
import { Tensor } from "../tensor/tensor.js";
import { Rng } from "../util/random.js";
import type { ScaleShiftLayer, ThresholdLayer } from "./format.js";

/** What values reach the batch-norm: exact integers bounded by `bound`, or any float32. */
export type InputDomain = { kind: "integer"; bound: number } | { kind: "real" };

/** The domain of a batch-norm's input, from what flows into it: signs are the integers -1 and +1. */
export function domainOf(flow: { kind: "signs" } | { kind: "pixels" } | InputDomain): InputDomain {
  if (flow.kind === "integer") return flow;
  return flow.kind === "signs" ? { kind: "integer", bound: 1 } : { kind: "real" };
}

/** The layer in evaluation mode: the per-sample rank decides [N, C] or [N, C, 1, 1] inputs. */
interface FoldTarget {
  bn: BatchNorm;
  channels: number;
  /** Per-sample rank of the batch-norm's input (1 for features, 3 for images). */
  rank: number;
}

/** Integer candidates are evaluated this many at a time per channel, to bound memory. */
const ROWS_PER_CHUNK = 2048;

/** Runs batch-norm (evaluation mode) on rows x channels values; returns the output. */
function runBatchNorm(t: FoldTarget, values: Float32Array, rows: number): Tensor {
  const shape = t.rank === 1 ? [rows, t.channels] : [rows, t.channels, 1, 1];
  return t.bn.forward(new Tensor(values, shape), { training: false, rng: new Rng(0) });
}

/**
 * A per-channel sign decision to fold: `positives` runs the real layers (a batch-norm and the
 * sign after it, in any framework) on rows x channels values and says, per value, whether
 * the sign is +1. `name` names the layer in errors.
 */
export interface SignDecision {
  name: string;
  channels: number;
  positives(values: Float32Array, rows: number): Uint8Array;
}

/** The training engine's batch-norm (evaluation mode) and sign quantizer as a decision. */
function engineDecision(t: FoldTarget, sign: Quantizer): SignDecision {
  return {
    name: t.bn.name,
    channels: t.channels,
    positives(values, rows) {
      const signs = sign.apply(runBatchNorm(t, values, rows)).data;
      const out = new Uint8Array(signs.length);
      for (let i = 0; i < signs.length; i++) out[i] = signs[i] > 0 ? 1 : 0;
      return out;
    },
  };
}

/**
 * The threshold layer equal to sign(bn(x)) on `domain`.
 * @throws Error if the measured decisions are not a threshold (would be a bug, not bad input).
 */
export function foldThreshold(t: FoldTarget, sign: Quantizer, domain: InputDomain): ThresholdLayer {
  return measureThreshold(engineDecision(t, sign), domain);
}

/**
 * The threshold layer equal to a measured sign decision on `domain` (see the file comment).
 * @throws Error if the decisions are not a threshold.
 */
export function measureThreshold(d: SignDecision, domain: InputDomain): ThresholdLayer {
  const layer = domain.kind === "integer" ? integerThresholds(d, domain.bound) : realThresholds(d);
  verifyProbes(d, layer, domain);
  return layer;
}

/** Scans every integer in [-bound, bound] in order and records where each channel switches. */
function integerThresholds(d: SignDecision, bound: number): ThresholdLayer {
  const c = d.channels;
  const thresholds = new Float32Array(c).fill(Infinity);
  const flip = new Uint8Array(c);
  const previous = new Int8Array(c).fill(-1);
  for (let start = -bound; start <= bound; start += ROWS_PER_CHUNK) {
    const rows = Math.min(ROWS_PER_CHUNK, bound - start + 1);
    const values = new Float32Array(rows * c);
    for (let r = 0; r < rows; r++) values.fill(start + r, r * c, (r + 1) * c);
    const pos = d.positives(values, rows);
    for (let r = 0; r < rows; r++) {
      for (let ch = 0; ch < c; ch++) {
        const p = pos[r * c + ch];
        if (previous[ch] === -1) flip[ch] = p;
        else if (p !== previous[ch]) {
          if (thresholds[ch] !== Infinity) notAThreshold(d, ch);
          thresholds[ch] = start + r;
        }
        previous[ch] = p;
      }
    }
  }
  return { type: "threshold", thresholds, flip };
}

function notAThreshold(d: SignDecision, channel: number): never {
  throw new Error(
    `fold: sign(batch-norm) of layer ${d.name}, channel ${channel}, switches more than once; ` +
      "batch-norm must be monotone for the threshold folding in src/export/fold.ts",
  );
}

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** Float32 values ordered as integers: key(a) < key(b) iff a < b, with -0 just below +0. */
function keyOf(value: number): number {
  f32[0] = value;
  const b = i32[0];
  return b >= 0 ? b : -(b & 0x7fffffff) - 1;
}

function valueOf(key: number): number {
  i32[0] = key >= 0 ? key : -(key + 1) | 0x80000000;
  return f32[0];
}

const MAX_F32 = 3.4028234663852886e38;

/** Bisects the float32 line per channel for the first value whose sign equals that of +max. */
function realThresholds(d: SignDecision): ThresholdLayer {
  const c = d.channels;
  const atLow = d.positives(new Float32Array(c).fill(-MAX_F32), 1);
  const atHigh = d.positives(new Float32Array(c).fill(MAX_F32), 1);
  const lo = new Float64Array(c).fill(keyOf(-MAX_F32));
  const hi = new Float64Array(c).fill(keyOf(MAX_F32));
  const values = new Float32Array(c);
  for (;;) {
    let open = false;
    for (let ch = 0; ch < c; ch++) {
      const active = atLow[ch] !== atHigh[ch] && hi[ch] - lo[ch] > 1;
      values[ch] = valueOf(active ? Math.floor((lo[ch] + hi[ch]) / 2) : hi[ch]);
      open ||= active;
    }
    if (!open) break;
    const pos = d.positives(values, 1);
    for (let ch = 0; ch < c; ch++) {
      if (atLow[ch] === atHigh[ch] || hi[ch] - lo[ch] <= 1) continue;
      if (pos[ch] === atHigh[ch]) hi[ch] = keyOf(values[ch]);
      else lo[ch] = keyOf(values[ch]);
    }
  }
  const thresholds = new Float32Array(c);
  for (let ch = 0; ch < c; ch++) thresholds[ch] = atLow[ch] === atHigh[ch] ? Infinity : valueOf(hi[ch]);
  return { type: "threshold", thresholds, flip: atLow };
}

/** Checks the folded layer against the real one at the switch points, at +-0 and a spread of values. */
function verifyProbes(d: SignDecision, layer: ThresholdLayer, domain: InputDomain): void {
  const c = d.channels;
  const probes: number[] = [0, -0, 1, -1, 0.5, -0.5, 1e-30, -1e-30];
  const limit = domain.kind === "integer" ? domain.bound : 1e6;
  for (let k = 1; k <= 20; k++) probes.push(limit / k, -limit / k);
  const perChannel = (ch: number): number[] => {
    const th = layer.thresholds[ch];
    if (!Number.isFinite(th)) return [];
    return domain.kind === "integer"
      ? [th - 1, th, th + 1]
      : [valueOf(keyOf(th) - 1), th, valueOf(keyOf(th) + 1)];
  };
  const rows = probes.length + 3;
  const values = new Float32Array(rows * c);
  for (let ch = 0; ch < c; ch++) {
    const own = perChannel(ch);
    for (let r = 0; r < rows; r++) {
      const v = r < probes.length ? probes[r] : (own[r - probes.length] ?? 0);
      values[r * c + ch] = domain.kind === "integer" ? Math.round(v) : v;
    }
  }
  const pos = d.positives(values, rows);
  for (let i = 0; i < values.length; i++) {
    const ch = i % c;
    const folded = values[i] >= layer.thresholds[ch] !== (layer.flip[ch] === 1) ? 1 : 0;
    if (folded !== pos[i]) {
      throw new Error(
        `fold: folded threshold of layer ${d.name}, channel ${ch}, disagrees with the layer at ${values[i]}`,
      );
    }
  }
}

/** Batch-norm's per-channel arrays, by the parameter and buffer names the layer gives them. */
function batchNormArrays(bn: BatchNorm): {
  gamma: Float32Array | null;
  beta: Float32Array | null;
  mean: Float32Array;
  variance: Float32Array;
} {
  const param = (suffix: string): Float32Array | null =>
    bn.parameters().find((p) => p.name === `${bn.name}/${suffix}`)?.tensor.data ?? null;
  const buffer = (suffix: string): Float32Array => {
    const found = bn.buffers().find((b) => b.name === `${bn.name}/${suffix}`);
    if (found === undefined) throw new Error(`fold: batch-norm ${bn.name} has no buffer ${suffix}`);
    return found.data;
  };
  return {
    gamma: param("gamma"),
    beta: param("beta"),
    mean: buffer("moving_mean"),
    variance: buffer("moving_variance"),
  };
}

/**
 * Batch-norm as y = fround(x * scale + shift) (double arithmetic), verified against the layer.
 * @throws Error if the layer computes anything else on the checked inputs (a bug).
 */
export function foldScaleShift(t: FoldTarget, domain: InputDomain): ScaleShiftLayer {
  const { gamma, beta, mean, variance } = batchNormArrays(t.bn);
  const c = t.channels;
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    scale[ch] = (1 / Math.sqrt(variance[ch] + t.bn.epsilon)) * (gamma === null ? 1 : gamma[ch]);
    shift[ch] = (beta === null ? 0 : beta[ch]) - mean[ch] * scale[ch];
  }
  const layer: ScaleShiftLayer = { type: "scale_shift", scale, shift };
  verifyScaleShift(t, layer, domain);
  return layer;
}

function verifyScaleShift(t: FoldTarget, layer: ScaleShiftLayer, domain: InputDomain): void {
  const c = t.channels;
  const inputs: number[] = [];
  if (domain.kind === "integer") for (let s = -domain.bound; s <= domain.bound; s++) inputs.push(s);
  else for (let k = -1000; k <= 1000; k++) inputs.push(Math.fround(k * 0.37 + k * k * 1e-3));
  for (let start = 0; start < inputs.length; start += ROWS_PER_CHUNK) {
    const rows = Math.min(ROWS_PER_CHUNK, inputs.length - start);
    const values = new Float32Array(rows * c);
    for (let r = 0; r < rows; r++) values.fill(inputs[start + r], r * c, (r + 1) * c);
    const y = runBatchNorm(t, values, rows).data;
    for (let i = 0; i < y.length; i++) {
      const ch = i % c;
      const mine = Math.fround(values[i] * layer.scale[ch] + layer.shift[ch]);
      if (!Object.is(mine, y[i]) && !(Number.isNaN(mine) && Number.isNaN(y[i]))) {
        throw new Error(
          `fold: batch-norm ${t.bn.name} gives ${y[i]} at ${values[i]} (channel ${ch}) but its folded form gives ${mine}; ` +
            "update foldScaleShift in src/export/fold.ts to the engine's batch-norm arithmetic",
        );
      }
    }
  }
}
