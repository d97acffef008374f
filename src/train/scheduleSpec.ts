/**
 * Parses the `--lr-schedule` text into a schedule of the optimizer step, counting in epochs
 * where a user would think in epochs:
 *   constant | cosine | step:EPOCHS:FACTOR | exp:RATE_PER_EPOCH | warmup:STEPS,<another spec>
 */
import { BamsprodError, show } from "../util/errors.js";
import { constant, cosine, exponential, stepDecay, warmup, type Schedule } from "../optim/schedules.js";

export interface ScheduleContext {
  epochs: number;
  stepsPerEpoch: number;
}

const forms = "constant, cosine, step:EPOCHS:FACTOR, exp:RATE, warmup:STEPS,<schedule>";

export function parseSchedule(spec: string, ctx: ScheduleContext): Schedule {
  const text = spec.trim();
  if (text.startsWith("warmup:")) {
    const comma = text.indexOf(",");
    const steps = number(text.slice(7, comma < 0 ? undefined : comma), spec);
    const rest = comma < 0 ? "constant" : text.slice(comma + 1);
    return warmup(steps, parseSchedule(rest, ctx));
  }
  const [kind, ...args] = text.split(":");
  const arity: Record<string, number> = { constant: 0, cosine: 0, step: 2, exp: 1 };
  if (!(kind in arity) || args.length !== arity[kind]) {
    throw new BamsprodError(`--lr-schedule ${show(spec)} is not understood; use one of: ${forms}`);
  }
  const values = args.map((a) => number(a, spec));
  switch (kind) {
    case "cosine":
      // A floor of 1% keeps the last steps' learning rate positive.
      return cosine(ctx.epochs * ctx.stepsPerEpoch, 0.01);
    case "step":
      return stepDecay(Math.round(values[0] * ctx.stepsPerEpoch), values[1]);
    case "exp":
      return exponential(values[0], ctx.stepsPerEpoch);
    default:
      return constant();
  }
}

function number(text: string, spec: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n)) {
    throw new BamsprodError(`--lr-schedule ${show(spec)}: ${show(text)} is not a number; forms: ${forms}`);
  }
  return n;
}
