import { BamsprodError, show } from "../../util/errors.js";
import { Tensor } from "../tensor.js";
import { checkRank, outGrad } from "./grad.js";

/**
 * Mean softmax cross-entropy of logits[N, K] against integer class labels (length N, each in
 * [0, K)) -> a scalar. Computed stably as logsumexp(l - max) + max - l[label], so large logits
 * neither overflow nor lose the small terms.
 * Backward: dlogits += dloss * (softmax(l) - onehot(label)) / N.
 * @example backward(softmaxCrossEntropy(model.forward(x, ctx), batch.y))
 */
export function softmaxCrossEntropy(logits: Tensor, labels: ArrayLike<number>): Tensor {
  checkRank("softmaxCrossEntropy", "logits", logits, 2);
  const [batch, classes] = logits.shape;
  checkLabels(labels, batch, classes);
  const l = logits.data;
  const probs = new Float32Array(logits.size);
  let total = 0;
  for (let n = 0; n < batch; n++) {
    const o = n * classes;
    let max = -Infinity;
    for (let k = 0; k < classes; k++) if (l[o + k] > max) max = l[o + k];
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += Math.exp(l[o + k] - max);
    const logSum = Math.log(sum);
    for (let k = 0; k < classes; k++) probs[o + k] = Math.exp(l[o + k] - max - logSum);
    total += logSum + max - l[o + labels[n]];
  }
  const loss = new Float32Array([batch === 0 ? 0 : total / batch]);
  return Tensor.fromOp(loss, [], [logits], (out) => {
    const g = outGrad(out)[0] / batch;
    const dl = logits.gradBuffer();
    for (let n = 0; n < batch; n++) {
      const o = n * classes;
      for (let k = 0; k < classes; k++) dl[o + k] += g * probs[o + k];
      dl[o + labels[n]] -= g;
    }
  });
}

function checkLabels(labels: ArrayLike<number>, batch: number, classes: number): void {
  if (labels.length !== batch) {
    throw new BamsprodError(
      `softmaxCrossEntropy: ${labels.length} labels for ${batch} rows of logits; give one label per row`,
    );
  }
  for (let n = 0; n < batch; n++) {
    const y = labels[n];
    if (!Number.isInteger(y) || y < 0 || y >= classes) {
      throw new BamsprodError(
        `softmaxCrossEntropy: label ${show(y)} at row ${n} is not a class index in [0, ${classes - 1}]`,
      );
    }
  }
}
