/**
 * The steps of residual models in packed inference: the residual block itself (both paths on
 * the block's input, summed in float32), RPReLU and average pooling. Like the other steps
 * they reproduce the training engine's evaluation arithmetic to the bit.
 */
import { poolGeometry, type Kernels } from "../../kernels/index.js";
import type { AvgPool2DLayer, RPReLULayer } from "../format.js";
import { asValues, sampleSize, type Activations, type Step } from "./activations.js";
import { Scratch } from "./scratch.js";

/** y = fround(body(x) + shortcut(x)); each path is a list of steps run on the block's input. */
export function residualStep(body: readonly Step[], shortcut: readonly Step[]): Step {
  const scratch = new Scratch();
  const run = (steps: readonly Step[], input: Activations, batch: number): Activations =>
    steps.reduce((a, step) => step.run(a, batch), input);
  return {
    run(input, batch) {
      const b = run(body, input, batch);
      const bv = asValues(b, batch);
      const sv = asValues(run(shortcut, input, batch), batch);
      const y = scratch.floats(0, bv.length);
      for (let i = 0; i < y.length; i++) y[i] = bv[i] + sv[i];
      return { kind: "values", data: y, shape: b.shape };
    },
  };
}

/** The engine's average-pooling kernel, as evaluation mode calls it (`kernels`: plan.ts chooses). */
export function avgPoolStep(layer: AvgPool2DLayer, kernels: () => Kernels): Step {
  const scratch = new Scratch();
  return {
    run(input, batch) {
      const g = poolGeometry([batch, ...input.shape], layer.size, layer.stride);
      const y = scratch.floats(0, batch * g.channels * g.outHeight * g.outWidth);
      kernels().avgPoolForward(asValues(input, batch), g, y);
      return { kind: "values", data: y, shape: [g.channels, g.outHeight, g.outWidth] };
    },
  };
}

/** u = fround(x - shiftIn[c]); y = fround((u > 0 ? u : fround(alpha[c] * u)) + shiftOut[c]). */
export function rpreluStep(layer: RPReLULayer): Step {
  const scratch = new Scratch();
  const { shiftIn, alpha, shiftOut } = layer;
  return {
    run(input, batch) {
      const x = asValues(input, batch);
      const y = scratch.floats(0, x.length);
      const channels = input.shape[0];
      const spatial = sampleSize(input.shape) / channels;
      for (let n = 0, i = 0; n < batch; n++) {
        for (let c = 0; c < channels; c++) {
          const g = shiftIn[c];
          const a = alpha[c];
          const z = shiftOut[c];
          for (const end = i + spatial; i < end; i++) {
            const u = Math.fround(x[i] - g);
            // The engine's branch-free select (src/nn/layers/channelOps.ts), zero signs included.
            const p = +(u > 0);
            y[i] = p * u + (1 - p) * Math.fround(a * u) + z;
          }
        }
      }
      return { kind: "values", data: y, shape: input.shape };
    },
  };
}
