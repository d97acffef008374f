/**
 * BAMSProd's update of one tensor with a backend's fused passes (src/kernels/optimizer.ts; the
 * native backend's are native/optim.cc), which run memory-bound: what counts there is how many
 * times each array crosses the memory bus, so a step makes two passes over a tensor. Lines 6-7 need two whole-tensor statistics before any
 * element can be updated: mean(vmax) and the quantization error, whose deviations are measured
 * from a = mean(|x|). The read-only pass (`bamsprodInspect`, fused with the step's gradient check)
 * computes the new vmax without storing it and sums it, sums |x|, and sums the deviations from
 * a *guess* of a; the update pass (`bamsprodApply`: AMSGrad's update with vmax/bc2 projected) also sums
 * |x| of the new x. That sum is the next step's guess: when nothing changed x in between and
 * there is no weight decay, it is a itself, bit for bit, and the deviations summed around it
 * are line 6's. Otherwise (the first step, weight decay, x changed from outside) `bamsprodDeviation`
 * reads x once more with a: the same result, one pass slower. The sums follow sums.ts's order,
 * so the result is the TypeScript update's, bit for bit (bamsprodTypescript.ts).
 */
import type { OptimizerKernels } from "../kernels/optimizer.js";
import { boundsFromSums, type BamsprodBounds, type BamsprodScalars } from "./bamsprodStats.js";
import type { TensorState } from "./types.js";

/** What one tensor's update computed (docs/algorithm.md lines 6-8), and the next step's guess of a. */
export interface BamsprodTensorStats extends BamsprodBounds {
  /** mean(|x|) of the new x (binary tensors; 0 for real ones). */
  nextMeanAbs: number;
}

/**
 * Lines 5-11 of one tensor, given the read-only pass's sums in inspected[at..at+2] (sum of the
 * new vmax, sum |x*decay|, deviations around `pivot`); what they computed goes into `out`
 * (reused from step to step: nothing is allocated), which is returned.
 */
export function fusedUpdate(
  passes: OptimizerKernels,
  x: Float32Array,
  g: Float32Array,
  binary: boolean,
  state: TensorState,
  s: BamsprodScalars,
  clip: number,
  inspected: Float64Array,
  at: number,
  pivot: number,
  out: BamsprodTensorStats,
): BamsprodTensorStats {
  const n = x.length;
  const a = inspected[at + 1] / n;
  const deviations = !binary ? null : a === pivot ? inspected[at + 2] : passes.bamsprodDeviation(x, s, a);
  const { lower, upper } = boundsFromSums(inspected[at], deviations, n, a, s, out); // 5.-8.
  const sumAbsNew = passes.bamsprodApply(x, g, binary, state.m, state.v, state.vmax, s, lower, upper, clip); // 1.-5., 9.-11.
  out.nextMeanAbs = sumAbsNew / n;
  return out;
}

/** One whole update (lines 1-11) of one tensor, without a guess and without the gradient check. */
export function fusedUpdateAlone(
  passes: OptimizerKernels,
  x: Float32Array,
  g: Float32Array,
  binary: boolean,
  state: TensorState,
  s: BamsprodScalars,
  clip: number,
): BamsprodTensorStats {
  const sums = new Float64Array(3);
  passes.bamsprodInspect(binary ? x : null, g, state.v, state.vmax, s, Infinity, NaN, sums);
  const stats = { quantError: 0, target: 0, lower: 0, upper: 0, nextMeanAbs: 0 };
  return fusedUpdate(passes, x, g, binary, state, s, clip, sums, 0, NaN, stats);
}
