import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { getKernels, portableKernels, setKernels } from "../../src/kernels/index.js";
import { kernelInfo, nativeOptimizerSteps, selectKernels } from "../../src/kernels/select.js";
import type { AddonLoad } from "../../src/kernels/native/addon.js";
import { BamsprodError } from "../../src/util/errors.js";
import { addon, skip } from "./helpers.js";

const missing = (): AddonLoad => ({ addon: null, reason: "addon not built: no C++ toolchain" });

describe("kernel selection", () => {
  after(() => setKernels(portableKernels));

  test("BAMSPROD_KERNELS=portable forces the portable kernels, and ops then run on them", () => {
    const { kernels, notice } = selectKernels({ BAMSPROD_KERNELS: "portable" });
    assert.equal(kernels, portableKernels);
    assert.equal(notice, "bamsprod: using portable kernels (BAMSPROD_KERNELS=portable)");
    setKernels(kernels);
    assert.equal(getKernels().name, "portable");
    assert.equal(nativeOptimizerSteps(), null);
    assert.equal(kernelInfo().kernels, "portable");
    assert.equal(kernelInfo().threads, 1);
  });

  test("without the addon: portable kernels and a notice saying why", () => {
    const { kernels, notice } = selectKernels({}, missing);
    assert.equal(kernels, portableKernels);
    assert.match(
      notice,
      /^bamsprod: using portable kernels \(native kernels unavailable: addon not built: no C\+\+ toolchain\)$/,
    );
  });

  test("BAMSPROD_KERNELS=native without the addon is a clear error", () => {
    assert.throws(
      () => selectKernels({ BAMSPROD_KERNELS: "native" }, missing),
      (e: unknown) =>
        e instanceof BamsprodError &&
        /BAMSPROD_KERNELS=native but the native kernels are unavailable: addon not built: no C\+\+ toolchain; or unset BAMSPROD_KERNELS/.test(
          e.message,
        ),
    );
  });

  test("bad BAMSPROD_KERNELS and BAMSPROD_THREADS values are refused", () => {
    assert.throws(
      () => selectKernels({ BAMSPROD_KERNELS: "gpu" }),
      /BAMSPROD_KERNELS is "gpu"; set it to "portable" or "native"/,
    );
    assert.throws(() => selectKernels({ BAMSPROD_THREADS: "0" }, missing), /BAMSPROD_THREADS is "0"/);
    assert.throws(() => selectKernels({ BAMSPROD_THREADS: "two" }, missing), /BAMSPROD_THREADS is "two"/);
  });

  test("native kernels when the addon loads, with the thread count applied", { skip }, () => {
    const { kernels, notice } = selectKernels({ BAMSPROD_THREADS: "1" });
    assert.equal(kernels.name, "native");
    assert.match(
      notice,
      /^bamsprod: using native kernels \(addon loaded; OpenBLAS \w+, 1 thread, XNOR path [\w-]+\)$/,
    );
    setKernels(kernels);
    const info = kernelInfo();
    assert.equal(info.kernels, "native");
    assert.equal(info.threads, 1);
    assert.equal(info.blas?.threads, 1);
    assert.match(info.blas?.config ?? "", /OpenBLAS/);
    assert.notEqual(nativeOptimizerSteps(), null);
    // Forced native gives the same kernels object; the thread count follows the variable.
    const forced = selectKernels({ BAMSPROD_KERNELS: "native", BAMSPROD_THREADS: "2" });
    assert.equal(forced.kernels, kernels);
    assert.equal(addon?.info().threads, 2);
  });
});
