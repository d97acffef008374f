/**
 * The C export of trained bmlp, bcnn, birealnet and reactnet on the whole Fashion-MNIST test
 * set: built with the system gcc, the C model predicts the class `bamsprod predict` prints for
 * every test image (on whatever kernels the CLI picks), and its logits are bit-identical to the
 * packed runtime on the portable kernels. Then, when the cross tools are installed, each model
 * is built for a Cortex-M4, its flash and RAM reported, and run on 300 test images on QEMU's
 * MPS2 AN386. Each model trains briefly here, unless BAMSPROD_EXACT_CHECKPOINTS=dir,dir names
 * a trained run of it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFashionMnist } from "../../src/data/index.js";
import { decodePacked, loadPacked } from "../../src/export/index.js";
import { getBackend, portableBackend, setBackend } from "../../src/kernels/index.js";
import { chooseBackend } from "../../src/kernels/select.js";
import { runCli } from "../cli/helpers.js";
import {
  bitDifferences,
  exactCases as cases,
  givenCheckpoints,
  trainedCheckpoint,
} from "../export/helpers.js";
import { classifyOnCortexM, classifyOnHost, missingCrossTool } from "../export/cModel.js";

/** A trained checkpoint (on the fastest kernels) exported by the CLI: the .bnn's path. */
async function trainedBnn(model: (typeof cases)[number][0], trainSize: number): Promise<string> {
  const before = getBackend();
  setBackend(chooseBackend().backend);
  let out: string;
  try {
    out = givenCheckpoints().get(model) ?? (await trainedCheckpoint(model, trainSize, { seed: 3 }));
  } finally {
    setBackend(before);
  }
  const bnn = join(mkdtempSync(join(tmpdir(), "bamsprod-c-slow-")), "model.bnn");
  const r = runCli(["export", "--checkpoint", out, "--out", bnn]);
  assert.equal(r.status, 0, r.stderr);
  return bnn;
}

for (const [name, trainSize] of cases) {
  test(`${name}: the C model predicts what bamsprod predict does on every test image; Cortex-M4 on QEMU`, async (t) => {
    const set = loadFashionMnist().test;
    const bnn = await trainedBnn(name, trainSize);
    const spec = decodePacked(readFileSync(bnn));
    const c = classifyOnHost(spec, set.images);
    const cli = runCli(["predict", "--model", bnn, "--classes-only"]);
    assert.equal(cli.status, 0, cli.stderr);
    const predicted = cli.stdout.trim().split("\n").map(Number);
    assert.equal(predicted.length, set.count);
    assert.deepEqual(Array.from(c.classes), predicted);
    const before = getBackend();
    setBackend(portableBackend);
    try {
      const logits = loadPacked(readFileSync(bnn)).logits(set.images, set.count);
      assert.deepEqual(bitDifferences(c.logits, logits), []);
    } finally {
      setBackend(before);
    }
    const correct = predicted.filter((k, i) => k === set.labels[i]).length;
    t.diagnostic(
      `${set.count} images: same classes, identical logits; accuracy ${(correct / set.count).toFixed(4)}`,
    );

    const missing = missingCrossTool();
    if (missing !== null) {
      t.diagnostic(`Cortex-M part skipped: ${missing} is not installed`);
      return;
    }
    const count = 300;
    const pixels = spec.inputShape.reduce((a, b) => a * b, 1);
    const arm = classifyOnCortexM(c.dir, set.images.subarray(0, count * pixels), spec.classes);
    const sizes = arm.sizes;
    assert.deepEqual(Array.from(arm.classes), predicted.slice(0, count));
    assert.deepEqual(bitDifferences(arm.logits, c.logits.subarray(0, count * spec.classes)), []);
    t.diagnostic(
      `Cortex-M4 -Os: flash ${sizes.flash} B (text ${sizes.text}, data ${sizes.data}), RAM ${sizes.ram} B (data + bss); ` +
        `${count} images on emulated MPS2 AN386 in ${arm.seconds.toFixed(1)} s (${(count / arm.seconds).toFixed(1)} images/s emulated)`,
    );
  });
}
