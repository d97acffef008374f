/**
 * TEST DOUBLE for `bamsprod train`: "trains" a run instantly by writing synthetic per-epoch
 * metrics (a saturating accuracy curve whose height depends on the optimizer and on how far
 * its tuned option is from a chosen best value) into metrics.jsonl and returning a summary.
 * Nothing here measures a real optimizer; it only exercises orchestration, aggregation and
 * reporting. Validation accuracy peaks at lr = 1e-3 while test accuracy peaks at 3e-3, so a
 * test can tell whether tuning looked at the test set.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type {
  CompareConfig,
  RunFn,
  RunSpec,
  TrainSummary,
  EpochRecord,
} from "../../src/experiments/index.js";

export const fakeHeights: Record<string, number> = {
  bamsprod: 0.86,
  adam: 0.84,
  amsgrad: 0.845,
  amsbound: 0.85,
  bop: 0.82,
  sgd: 0.8,
};

/** The comparison the fake-runner tests sweep: 2 models x 3 optimizers x 3 seeds, written to `out`. */
export function fakeCompareConfig(out: string, over: Partial<CompareConfig> = {}): CompareConfig {
  return {
    models: ["bmlp", "bcnn"],
    optimizers: ["bamsprod", "adam", "bop"],
    seeds: 3,
    epochs: 4,
    tuneEpochs: 2,
    tuneSeeds: 1,
    jobs: 2,
    out,
    trainSize: 100,
    grids: {},
    ...over,
  };
}

export interface FakeRunner {
  run: RunFn;
  calls: RunSpec[];
  /** Most runs in flight at once. */
  maxConcurrent: number;
}

/** The double's curves; `test` is what a run with the test set evaluated every epoch would see. */
function fakeCurves(spec: RunSpec): Array<EpochRecord & { test: number }> {
  const height = fakeHeights[spec.optimizer] ?? 0.8;
  const tuned = spec.options.lr ?? (spec.options.gamma ?? 1e-3) / 1e-1; // bop: gamma 1e-4 ~ lr 1e-3
  const valPenalty = 0.02 * Math.abs(Math.log10(tuned / 1e-3));
  const testPenalty = 0.02 * Math.abs(Math.log10(tuned / 3e-3));
  const noise = (((spec.seed * 7919) % 13) - 6) / 1000; // a deterministic "seed effect", +-0.6%
  const tau = spec.optimizer === "bamsprod" ? 1 : 1.5;
  return Array.from({ length: spec.epochs }, (_, e) => {
    const shape = 1 - Math.exp(-(e + 1) / tau);
    const test = 0.1 + (height - testPenalty - 0.1) * shape + noise;
    return {
      epoch: e + 1,
      train_loss: 2.3 * (1 - shape) + 0.3,
      train_accuracy: test + 0.02,
      val_loss: 2.3 * (1 - shape) + 0.35,
      val_accuracy: 0.1 + (height - valPenalty - 0.1) * shape + noise,
      test_accuracy: null,
      test,
      flip_ratio: spec.optimizer === "bop" ? 0 : 1e-3 * Math.exp(-e / 2),
      seconds: 2 + spec.seed * 0.1,
      lr: spec.options.lr ?? 1e-3,
    };
  });
}

/** Per-epoch metrics as `bamsprod train` writes them: the test set is not evaluated per epoch. */
export function fakeMetrics(spec: RunSpec): EpochRecord[] {
  return fakeCurves(spec).map(({ test: _test, ...m }) => m);
}

/** The test accuracy evaluated once at the end (the summary's test_accuracy). */
export function fakeFinalTest(spec: RunSpec): number {
  return fakeCurves(spec).at(-1)!.test;
}

export function fakeRunner(
  options: { delayMs?: number; fail?: (spec: RunSpec) => boolean } = {},
): FakeRunner {
  let inFlight = 0;
  const state: FakeRunner = {
    calls: [],
    maxConcurrent: 0,
    run: async (spec, dir) => {
      state.calls.push(spec);
      inFlight++;
      state.maxConcurrent = Math.max(state.maxConcurrent, inFlight);
      try {
        await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 1));
        if (options.fail?.(spec) === true) throw new Error("fake training failure");
        const metrics = fakeMetrics(spec);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, "metrics.jsonl"), metrics.map((m) => JSON.stringify(m)).join("\n") + "\n");
        const last = metrics[metrics.length - 1];
        const summary: TrainSummary = {
          model: spec.model,
          optimizer: spec.optimizer,
          epochs: spec.epochs,
          seconds: metrics.reduce((s, m) => s + m.seconds, 0),
          test_accuracy: fakeFinalTest(spec),
          val_accuracy: last.val_accuracy,
          train_loss: last.train_loss,
          seed: spec.seed,
          data: "synthetic metrics from the test double",
        };
        return summary;
      } finally {
        inFlight--;
      }
    },
  };
  return state;
}
