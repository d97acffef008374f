/** `bamsprod summary --model NAME`: the layer table of a built-in model (larq.models.summary style). */
import { InvalidArgumentError, type Command } from "commander";
import { buildModel, modelNames } from "../../nn/builders.js";
import { formatSummary, summarize } from "../../nn/summary.js";
import { positiveInt } from "../options.js";

export function register(program: Command): void {
  program
    .command("summary")
    .description("show a model's layers, binary and float parameters, memory and multiply-accumulates")
    .requiredOption("--model <name>", `model: ${modelNames.join(", ")}`)
    .option("--input-shape <C,H,W>", "per-sample input shape", parseShape, [1, 28, 28])
    .option("--classes <n>", "number of classes", positiveInt, 10)
    .option("--json", "print the summary as JSON")
    .action((opts: { model: string; inputShape: number[]; classes: number; json?: boolean }) => {
      const model = buildModel(opts.model, { inputShape: opts.inputShape, classes: opts.classes });
      const summary = summarize(model);
      process.stdout.write(
        opts.json === true ? JSON.stringify(summary) + "\n" : formatSummary(summary) + "\n",
      );
    });
}

function parseShape(value: string): number[] {
  const parts = value.split(",").map((s) => s.trim());
  const dims = parts.map(Number);
  if (dims.length !== 3 || !parts.every((p) => /^\d+$/.test(p)) || !dims.every((d) => d > 0)) {
    throw new InvalidArgumentError(
      `expected three positive integers C,H,W such as 1,28,28, got ${JSON.stringify(value)}`,
    );
  }
  return dims;
}
