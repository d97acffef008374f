/**
 * The C export on a microcontroller: a small model cross-compiled for a Cortex-M4 with
 * Debian's gcc-arm-none-eabi and run for real on QEMU's emulated MPS2 AN386 board
 * (semihosting): same classes and bit-identical logits as the host build. Skipped, saying
 * which tool is missing, without the cross tools (CI installs them). The built-in models, on a
 * few hundred images: test/slow/cExport.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BatchNorm, Flatten, QuantDense, Rescale, Sequential } from "../../src/nn/index.js";
import { compileModel } from "../../src/export/index.js";
import { bitDifferences, firstImages, randomizeBatchNorms } from "./helpers.js";
import { classifyOnCortexM, classifyOnHost, missingCrossTool } from "./cModel.js";

const missing = missingCrossTool();

test(
  "Cortex-M4 on emulated MPS2: a small binary MLP gives the host's classes and logits",
  {
    skip:
      missing === null
        ? false
        : `${missing} is not installed (apt-get install gcc-arm-none-eabi qemu-system-arm)`,
  },
  (t) => {
    const model = new Sequential(
      [
        new Rescale(),
        new Flatten(),
        new QuantDense({ units: 64, kernelQuantizer: "ste_sign", useBias: false }),
        new BatchNorm(),
        new QuantDense({
          units: 10,
          inputQuantizer: "ste_sign",
          kernelQuantizer: "ste_sign",
          useBias: false,
        }),
        new BatchNorm(),
      ],
      { inputShape: [1, 28, 28], classes: 10, seed: 9 },
    );
    randomizeBatchNorms(model, 10);
    const spec = compileModel(model);
    const { images, count } = firstImages(40);
    const host = classifyOnHost(spec, images);
    const arm = classifyOnCortexM(host.dir, images, spec.classes);
    const sizes = arm.sizes;
    assert.ok(sizes.flash >= (784 * 64 + 64 * 10) / 8, `flash ${sizes.flash} holds the 1-bit kernels`);
    assert.equal(arm.classes.length, count);
    assert.deepEqual(arm.classes, host.classes);
    assert.deepEqual(bitDifferences(arm.logits, host.logits), []);
    t.diagnostic(
      `flash ${sizes.flash} B, RAM ${sizes.ram} B; ${count} images in ${arm.seconds.toFixed(1)} s emulated`,
    );
  },
);
