/** "1 epoch", "2 epochs", "1 batch", "3 batches": a count with its noun in the right number. */
export function plural(n: number, word: string, words = `${word}s`): string {
  return `${n} ${n === 1 ? word : words}`;
}
