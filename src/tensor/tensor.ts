/**
 * The tensor of the training engine: a Float32Array with a shape, and reverse-mode gradients.
 *
 * Every op creates its output with {@link Tensor.fromOp}, giving the inputs it read and a
 * `backward` closure that adds the output's gradient into the inputs' gradients. Calling
 * {@link backward} on a scalar loss walks the recorded graph in reverse topological order.
 * Gradients accumulate (`+=`), so a tensor used twice receives both contributions.
 */
import { giveBack, takeBuffer } from "./buffers.js";

export class Tensor {
  readonly shape: readonly number[];
  readonly size: number;
  data: Float32Array;
  /** Gradient of the loss with respect to `data`; null until a backward pass reaches it. */
  grad: Float32Array | null = null;
  /** Leaf tensors that hold parameters set this; op outputs inherit it from their inputs. */
  requiresGrad: boolean;
  /** Inputs this tensor was computed from (empty for leaves). */
  readonly parents: readonly Tensor[];
  /** Adds `this.grad` (already complete) into the parents' gradients. */
  readonly backwardFn: (() => void) | null;
  /**
   * Buffers from the pool that only this op's backward closure reads (max pooling's argmax,
   * dropout's mask): `releaseGraph` hands them back with `data`.
   */
  saved: readonly Float32Array[] = [];

  constructor(
    data: Float32Array,
    shape: readonly number[],
    requiresGrad = false,
    parents: readonly Tensor[] = [],
    backwardFn: (() => void) | null = null,
  ) {
    const size = shapeSize(shape);
    if (data.length !== size) {
      throw new Error(
        `Tensor: data has ${data.length} elements but shape [${shape.join(", ")}] needs ${size}`,
      );
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.size = size;
    this.requiresGrad = requiresGrad;
    this.parents = parents;
    this.backwardFn = backwardFn;
  }

  static zeros(shape: readonly number[], requiresGrad = false): Tensor {
    return new Tensor(new Float32Array(shapeSize(shape)), shape, requiresGrad);
  }

  static from(values: ArrayLike<number>, shape: readonly number[], requiresGrad = false): Tensor {
    return new Tensor(Float32Array.from(values), shape, requiresGrad);
  }

  /**
   * The output of an op. `backward` is only recorded when some input needs a gradient, so
   * evaluation-mode forward passes build no graph. `saved`: buffers taken from the pool
   * (buffers.ts) that `backward` reads, handed back by `releaseGraph`.
   */
  static fromOp(
    data: Float32Array,
    shape: readonly number[],
    inputs: readonly Tensor[],
    backward: (out: Tensor) => void,
    saved: readonly Float32Array[] = [],
  ): Tensor {
    const needs = inputs.some((t) => t.requiresGrad);
    if (!needs) return new Tensor(data, shape, false);
    const out: Tensor = new Tensor(data, shape, true, inputs, () => backward(out));
    out.saved = saved;
    return out;
  }

  /** The gradient buffer, allocated (zeroed) on first use. */
  gradBuffer(): Float32Array {
    if (this.grad === null) this.grad = takeBuffer(this.size, true);
    return this.grad;
  }

  /** Sets the gradient to zero (keeping the buffer, so a training loop allocates it once). */
  zeroGrad(): void {
    if (this.grad !== null) this.grad.fill(0);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1)
      throw new Error(`item(): tensor has shape [${this.shape.join(", ")}], not one element`);
    return this.data[0];
  }
}

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new Error(`invalid tensor dimension ${d} in [${shape.join(", ")}]`);
    n *= d;
  }
  return n;
}

/**
 * Reverse-mode pass from a scalar `loss`: seeds d(loss)/d(loss) = 1 and runs each recorded
 * backward closure once, outputs before inputs. Leaf gradients accumulate into existing
 * buffers, so zero them between steps. Intermediate results (op outputs) start every pass
 * with no gradient, so running backward twice over one graph adds exactly twice to the leaves,
 * and end it with none either: their gradients are only inputs to the closures, so when the
 * pass is over their buffers go back to a pool that the next pass reuses (see buffers.ts).
 */
export function backward(loss: Tensor): void {
  if (loss.size !== 1)
    throw new Error(`backward(): loss must be a scalar, got shape [${loss.shape.join(", ")}]`);
  const order = topologicalOrder(loss);
  for (const t of order) if (t.backwardFn !== null) t.grad = null;
  loss.gradBuffer()[0] += 1;
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i];
    if (t.backwardFn !== null && t.grad !== null) t.backwardFn();
  }
  for (const t of order) {
    if (t.backwardFn !== null && t.grad !== null) {
      giveBack(t.grad);
      t.grad = null;
    }
  }
}

/** What a released op output's `data` becomes: empty, so a late read fails instead of seeing reused memory. */
const RELEASED = new Float32Array(0);

/**
 * Ends a training step: hands the data of every op output in `root`'s graph, and the buffers
 * its op saved for the backward pass, to the buffer pool (buffers.ts), whose next forward pass
 * reuses them instead of allocating fresh memory, and leaves those tensors' `data` empty. Call it after `backward(root)` and the optimizer step,
 * once nothing reads the step's intermediate results, the logits included; parameters and
 * inputs (leaves) and op outputs that share a leaf's buffer are untouched.
 * @example backward(loss); optimizer.step(params); const l = loss.item(); releaseGraph(loss);
 */
export function releaseGraph(root: Tensor): void {
  const order = topologicalOrder(root);
  const leafBuffers = new Set<ArrayBufferLike>();
  for (const t of order) if (t.backwardFn === null) leafBuffers.add(t.data.buffer);
  const given = new Set<ArrayBufferLike>();
  for (const t of order) {
    for (const b of t.saved) giveBack(b);
    t.saved = [];
    const buffer = t.data.buffer;
    if (t.backwardFn === null || t.data === RELEASED || leafBuffers.has(buffer)) continue;
    if (!given.has(buffer)) giveBack(t.data); // views of one buffer (reshape) give it once
    given.add(buffer);
    t.data = RELEASED;
  }
}

function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative DFS: deep nets would overflow the call stack with recursion.
  const stack: Array<[Tensor, number]> = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    if (i < t.parents.length) {
      top[1] = i + 1;
      const p = t.parents[i];
      if (p.requiresGrad && !seen.has(p)) {
        seen.add(p);
        stack.push([p, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}
