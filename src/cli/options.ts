/**
 * Parsers for numeric CLI options: each rejects a bad value with a message naming the option
 * and the value (commander turns InvalidArgumentError into a one-line usage error).
 */
import { InvalidArgumentError } from "commander";
import type { OptimizerFlag } from "../optim/flags.js";
import { checkLimit, LIMITS } from "../util/limits.js";

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n <= 0) {
    throw new InvalidArgumentError(`expected a positive integer, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** --batch-size: a positive integer within LIMITS.batchSize, refused before any data is read. */
export function batchSize(value: string): number {
  const n = positiveInt(value);
  try {
    checkLimit("the batch size", n, LIMITS.batchSize);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`expected a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function finiteNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) {
    throw new InvalidArgumentError(`expected a number, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function positiveNumber(value: string): number {
  const n = finiteNumber(value);
  if (n <= 0) throw new InvalidArgumentError(`expected a number > 0, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * The parser of an optimizer option's flag: a number, or "none" (null) where an optimizer
 * accepts null, in the range every optimizer with this option allows when they agree (when
 * they differ, the chosen optimizer checks it). "none" stays a string here because commander
 * turns a parser's null into "": {@link optimizerOptionValue} makes it null.
 */
export function optimizerOption(f: OptimizerFlag): (value: string) => number | "none" {
  return (value) => {
    const parsed = f.nullable && value === "none" ? null : finiteNumber(value);
    if (f.rule !== null && !f.rule.test(parsed)) {
      throw new InvalidArgumentError(`expected ${f.rule.want}, got ${JSON.stringify(value)}`);
    }
    return parsed ?? "none";
  };
}

/** The option value of what {@link optimizerOption} parsed: "none" is null. */
export function optimizerOptionValue(parsed: number | "none"): number | null {
  return parsed === "none" ? null : parsed;
}
