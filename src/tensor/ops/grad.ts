/**
 * Small helpers shared by the ops: checking shapes and adding gradients into input buffers.
 */
import { BamsprodError, show } from "../../util/errors.js";
import type { Tensor } from "../tensor.js";
import { getBackend } from "../../kernels/index.js";
import { giveBack, takeBuffer } from "../buffers.js";

/** The output gradient inside a backward closure (set by `backward` before calling it). */
export function outGrad(out: Tensor): Float32Array {
  if (out.grad === null) throw new Error("backward closure called before its output had a gradient");
  return out.grad;
}

/** dst[i] += src[i] (the addArrays kernel). */
export function addInto(dst: Float32Array, src: Float32Array): void {
  getBackend().kernels.addArrays(dst, src, dst);
}

/**
 * Accumulates a gradient that a kernel can only *write* (overwrite) into `t.grad`: on the first
 * contribution the kernel writes straight into the new buffer; later ones go through a
 * temporary that is then added, preserving `+=` semantics.
 */
export function accumulateWritten(t: Tensor, write: (dst: Float32Array) => void): void {
  if (t.grad === null) {
    // The kernel overwrites every element, so a recycled buffer need not be zeroed first.
    t.grad = takeBuffer(t.size, false);
    write(t.grad);
    return;
  }
  const tmp = takeBuffer(t.size, false);
  write(tmp);
  addInto(t.grad, tmp);
  giveBack(tmp);
}

/** Throws unless a and b have identical shapes. */
export function checkSameShape(op: string, a: Tensor, b: Tensor): void {
  const same = a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
  if (!same) {
    throw new BamsprodError(
      `${op}: shapes differ, ${show(a.shape)} vs ${show(b.shape)}; both operands need the same shape`,
    );
  }
}

/** Throws unless t has `rank` dimensions. */
export function checkRank(op: string, name: string, t: Tensor, rank: number | readonly number[]): void {
  const ok = typeof rank === "number" ? t.shape.length === rank : rank.includes(t.shape.length);
  if (!ok) {
    const want = typeof rank === "number" ? rank : rank.join(" or ");
    throw new BamsprodError(`${op}: ${name} must have ${want} dimensions, got shape ${show(t.shape)}`);
  }
}

/**
 * For per-channel ops on x[N, C, ...]: the channel count and the number of elements per
 * (sample, channel) plane ("spatial", 1 for [N, C]).
 */
export function channelLayout(op: string, x: Tensor): { batch: number; channels: number; spatial: number } {
  if (x.shape.length < 2) {
    throw new BamsprodError(`${op}: input must be [N, C, ...], got shape ${show(x.shape)}`);
  }
  const [batch, channels] = x.shape;
  let spatial = 1;
  for (let i = 2; i < x.shape.length; i++) spatial *= x.shape[i];
  return { batch, channels, spatial };
}

/** Throws unless the per-channel parameter t has exactly `channels` elements. */
export function checkChannels(op: string, name: string, t: { length: number }, channels: number): void {
  if (t.length !== channels) {
    throw new BamsprodError(
      `${op}: ${name} has ${t.length} elements but the input has ${channels} channels; they must match`,
    );
  }
}
