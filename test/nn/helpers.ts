/**
 * Gradient checking for layer tests: a fixed random projection turns any output into a
 * scalar loss L = sum(out * r); autograd's dL/dinput is compared with central finite
 * differences of L computed in float64 from the float32 forward passes.
 */
import assert from "node:assert/strict";
import { Tensor, backward } from "../../src/tensor/tensor.js";
import { Rng } from "../../src/util/random.js";
import type { ForwardContext, Layer } from "../../src/nn/index.js";

/** Uniform values in [lo, hi) from a seeded generator. */
export function uniform(n: number, rng: Rng, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rng.uniform();
  return out;
}

/** Uniform values whose magnitude is at least `gap` (away from the kinks of sign-like functions at 0). */
export function awayFromZero(n: number, rng: Rng, gap = 0.1, max = 1.5): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const m = gap + (max - gap) * rng.uniform();
    out[i] = rng.uniform() < 0.5 ? -m : m;
  }
  return out;
}

/** L = sum(out * r) as a graph node, so that backward() can start from it. */
export function project(out: Tensor, r: Float32Array): Tensor {
  let s = 0;
  for (let i = 0; i < out.size; i++) s += out.data[i] * r[i];
  return Tensor.fromOp(Float32Array.of(s), [1], [out], (loss) => {
    const g = (loss.grad as Float32Array)[0];
    const gOut = out.gradBuffer();
    for (let i = 0; i < out.size; i++) gOut[i] += g * r[i];
  });
}

function projected(out: Tensor, r: Float32Array): number {
  let s = 0;
  for (let i = 0; i < out.size; i++) s += out.data[i] * r[i];
  return s;
}

/** Autograd gradients of sum(f() * r) with respect to each of `wrt` (their grads are reset first). */
export function autogradOf(f: () => Tensor, wrt: Tensor[], r: Float32Array): Float32Array[] {
  for (const t of wrt) t.grad = null;
  backward(project(f(), r));
  return wrt.map((t) => Float32Array.from(t.grad ?? new Float32Array(t.size)));
}

/**
 * Checks autograd against central differences for every element of every tensor in `wrt`.
 * `f` must recompute the output from the tensors' current data (and be deterministic).
 */
export function checkGradients(
  f: () => Tensor,
  wrt: Tensor[],
  options: { seed?: number; h?: number; atol?: number; rtol?: number } = {},
): void {
  const { h = 1e-2, atol = 2e-3, rtol = 1e-2 } = options;
  const probe = f();
  const r = uniform(probe.size, new Rng(options.seed ?? 99));
  const grads = autogradOf(f, wrt, r);
  wrt.forEach((t, k) => {
    for (let i = 0; i < t.size; i++) {
      const v = t.data[i];
      t.data[i] = v + h;
      const up = projected(f(), r);
      t.data[i] = v - h;
      const down = projected(f(), r);
      t.data[i] = v;
      const numeric = (up - down) / (2 * h);
      const err = Math.abs(grads[k][i] - numeric);
      assert.ok(
        err <= atol + rtol * Math.abs(numeric),
        `tensor ${k} element ${i}: autograd ${grads[k][i]} vs finite difference ${numeric}`,
      );
    }
  });
}

/** Asserts two arrays agree element-wise within atol + rtol * |expected|. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  atol = 1e-5,
  rtol = 1e-5,
): void {
  assert.equal(actual.length, expected.length, "lengths differ");
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    assert.ok(
      err <= atol + rtol * Math.abs(expected[i]),
      `element ${i}: ${actual[i]} vs expected ${expected[i]}`,
    );
  }
}

/** A parameter-carrying leaf tensor. */
export function leaf(data: Float32Array, shape: number[]): Tensor {
  return new Tensor(data, shape, true);
}

/** A forward context in evaluation mode (seeded). */
export const evalCtx = (): ForwardContext => ({ training: false, rng: new Rng(1) });

/** A forward context in training mode (seeded). */
export const trainCtx = (): ForwardContext => ({ training: true, rng: new Rng(1) });

/** Builds a standalone layer for a per-sample shape and returns it with its parameter tensors. */
export function built<L extends Layer>(layer: L, shape: number[], seed = 3): { layer: L; params: Tensor[] } {
  layer.build(shape, new Rng(seed));
  return { layer, params: layer.parameters().map((p) => p.tensor) };
}

/** {@link checkGradients} of a built layer's forward on x, with respect to x and the layer's `params`. */
export function checkLayerGradients(
  layer: Layer,
  x: Tensor,
  params: Tensor[],
  ctx: () => ForwardContext = evalCtx,
): void {
  checkGradients(() => layer.forward(x, ctx()), [x, ...params]);
}
