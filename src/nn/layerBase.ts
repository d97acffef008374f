/**
 * Common plumbing of the built-in layers: the name (given, or assigned by the model), the
 * build-once rule, and the shape checks every layer needs.
 */
import type { Tensor } from "../tensor/tensor.js";
import { BamsprodError, show } from "../util/errors.js";
import type { Rng } from "../util/random.js";
import type { NamedBuffer, ForwardContext, Layer, Parameter } from "./types.js";

export abstract class LayerBase implements Layer {
  abstract readonly kind: string;
  private layerName: string;
  private isBuilt = false;

  constructor(name?: string) {
    if (name !== undefined && !/^[A-Za-z0-9_.-]+$/.test(name)) {
      throw new BamsprodError(
        `layer name ${show(name)} is invalid: use letters, digits, "_", "." or "-" (it becomes part of parameter names)`,
      );
    }
    this.layerName = name ?? "";
  }

  get name(): string {
    return this.layerName;
  }

  /** Gives an unnamed layer its model-assigned name ("quant_dense_1"); named layers keep theirs. */
  assignName(name: string): void {
    if (this.layerName === "") this.layerName = name;
  }

  get built(): boolean {
    return this.isBuilt;
  }

  build(inputShape: readonly number[], rng: Rng): void {
    if (this.isBuilt) {
      throw new BamsprodError(
        `layer ${show(this.name)} is already built (part of a model); create a new layer for another model`,
      );
    }
    this.outputShape(inputShape); // validates the shape before anything is allocated
    this.onBuild(inputShape, rng);
    this.isBuilt = true;
  }

  /** Creates parameters; layers without parameters keep this no-op. */
  protected onBuild(_inputShape: readonly number[], _rng: Rng): void {}

  /** Throws unless built: forward and parameters need the tensors that build creates. */
  protected requireBuilt(): void {
    if (!this.isBuilt) {
      throw new BamsprodError(`layer ${show(this.name)} is not built; add it to a Sequential model first`);
    }
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): NamedBuffer[] {
    return [];
  }

  abstract forward(x: Tensor, ctx: ForwardContext): Tensor;
  abstract outputShape(inputShape: readonly number[]): number[];
  abstract config(): Record<string, unknown>;

  /** Throws a clear error unless the per-sample input has `rank` dimensions. */
  protected expectRank(inputShape: readonly number[], rank: number, hint: string): void {
    if (inputShape.length !== rank) {
      throw new BamsprodError(
        `${this.kind} layer ${show(this.name)} expects a ${rank}-D input per sample, got shape [${inputShape.join(", ")}]; ${hint}`,
      );
    }
  }
}

/** Checks an integer option >= `min`, naming the layer and option in the error. */
export function checkInt(kind: string, option: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) {
    throw new BamsprodError(`${kind}: ${option} must be an integer >= ${min}, got ${show(value)}`);
  }
  return value;
}

/** Expands a number or [h, w] pair option into a pair. */
export function pair(
  kind: string,
  option: string,
  value: number | readonly number[],
  min = 1,
): [number, number] {
  const v = typeof value === "number" ? [value, value] : value;
  if (v.length !== 2)
    throw new BamsprodError(`${kind}: ${option} must be a number or [h, w], got ${show(value)}`);
  return [checkInt(kind, option, v[0], min), checkInt(kind, option, v[1], min)];
}
