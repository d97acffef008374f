/** Per-step measurements of a training run. */

/** Index of the largest logit in each row of a [rows, classes] array. */
export function argmaxRows(logits: Float32Array, rows: number, classes: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let bestValue = logits[r * classes];
    for (let k = 1; k < classes; k++) {
      const v = logits[r * classes + k];
      if (v > bestValue) {
        bestValue = v;
        best = k;
      }
    }
    out[r] = best;
  }
  return out;
}

/** Number of rows whose largest logit is the label. */
export function countCorrect(logits: Float32Array, labels: ArrayLike<number>, rows: number): number {
  const classes = logits.length / rows;
  const predicted = argmaxRows(logits, rows, classes);
  let correct = 0;
  for (let r = 0; r < rows; r++) if (predicted[r] === labels[r]) correct++;
  return correct;
}

/**
 * Flip ratio (larq's metric): the fraction of binary weights whose sign changed in one
 * optimizer step. Keeps the previous signs of the watched tensors; sign(0) = +1.
 */
export class FlipCounter {
  private readonly previous: Uint8Array[];

  constructor(private readonly tensors: Float32Array[]) {
    this.previous = tensors.map((t) => signsOf(t));
  }

  get total(): number {
    return this.previous.reduce((n, p) => n + p.length, 0);
  }

  /** Fraction of watched weights whose sign differs from the last call (or construction). */
  step(): number {
    const total = this.total;
    if (total === 0) return 0;
    let flips = 0;
    for (let i = 0; i < this.tensors.length; i++) {
      const t = this.tensors[i];
      const p = this.previous[i];
      for (let j = 0; j < t.length; j++) {
        const s = t[j] < 0 ? 0 : 1;
        if (s !== p[j]) {
          flips++;
          p[j] = s;
        }
      }
    }
    return flips / total;
  }
}

function signsOf(t: Float32Array): Uint8Array {
  const out = new Uint8Array(t.length);
  for (let j = 0; j < t.length; j++) out[j] = t[j] < 0 ? 0 : 1;
  return out;
}
