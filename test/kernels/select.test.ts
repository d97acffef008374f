import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { getBackend, portableBackend, portableKernels, setBackend } from "../../src/kernels/index.js";
import { chooseBackend, kernelInfo, selectKernels, useBackend } from "../../src/kernels/select.js";
import type { AddonLoad } from "../../src/kernels/native/addon.js";
import { BamsprodError } from "../../src/util/errors.js";
import { loadAddon } from "../../src/kernels/native/addon.js";

const { addon } = loadAddon();
const skip = addon === null ? "native addon unavailable" : false;

const missing = (): AddonLoad => ({ addon: null, reason: "addon not built: no C++ toolchain" });

describe("kernel selection", () => {
  after(() => setBackend(portableBackend));

  test("BAMSPROD_KERNELS=portable forces the portable kernels, and ops then run on them", () => {
    const { backend, notice } = chooseBackend({ BAMSPROD_KERNELS: "portable" });
    assert.equal(backend, portableBackend);
    assert.equal(backend.kernels, portableKernels);
    assert.equal(notice, "bamsprod: using portable kernels (BAMSPROD_KERNELS=portable)");
    setBackend(backend);
    assert.equal(getBackend().kernels, portableKernels);
    assert.equal(getBackend().optimizer, null);
    assert.equal(getBackend().packed, null);
    assert.equal(kernelInfo().kernels, "portable");
    assert.equal(kernelInfo().threads, 1);
  });

  test("without the addon: portable kernels and a notice saying why", () => {
    const { backend, notice } = chooseBackend({}, missing);
    assert.equal(backend, portableBackend);
    // The deprecated selectKernels returns the same choice's kernels.
    assert.equal(selectKernels({}, missing).kernels, portableKernels);
    assert.match(
      notice,
      /^bamsprod: using portable kernels \(native kernels unavailable: addon not built: no C\+\+ toolchain\)$/,
    );
  });

  test("BAMSPROD_KERNELS=native without the addon is a clear error", () => {
    assert.throws(
      () => chooseBackend({ BAMSPROD_KERNELS: "native" }, missing),
      (e: unknown) =>
        e instanceof BamsprodError &&
        /BAMSPROD_KERNELS=native but the native kernels are unavailable: addon not built: no C\+\+ toolchain; or unset BAMSPROD_KERNELS/.test(
          e.message,
        ),
    );
  });

  test("bad BAMSPROD_KERNELS and BAMSPROD_THREADS values are refused", () => {
    assert.throws(
      () => chooseBackend({ BAMSPROD_KERNELS: "gpu" }),
      /BAMSPROD_KERNELS is "gpu"; set it to "portable" or "native"/,
    );
    assert.throws(() => chooseBackend({ BAMSPROD_THREADS: "0" }, missing), /BAMSPROD_THREADS is "0"/);
    assert.throws(() => chooseBackend({ BAMSPROD_THREADS: "two" }, missing), /BAMSPROD_THREADS is "two"/);
  });

  test("native kernels when the addon loads, with the thread count applied", { skip }, () => {
    const { backend, notice } = chooseBackend({ BAMSPROD_THREADS: "1" });
    assert.equal(backend.name, "native");
    assert.match(
      notice,
      /^bamsprod: using native kernels \(addon loaded; OpenBLAS \w+, 1 thread, XNOR path [\w-]+\)$/,
    );
    setBackend(backend);
    const info = kernelInfo();
    assert.equal(info.kernels, "native");
    assert.equal(info.threads, 1);
    assert.equal(info.blas?.threads, 1);
    assert.match(info.blas?.config ?? "", /OpenBLAS/);
    assert.notEqual(getBackend().optimizer, null);
    assert.notEqual(getBackend().packed, null);
    // Forced native gives the same backend object; the thread count follows the variable.
    const forced = chooseBackend({ BAMSPROD_KERNELS: "native", BAMSPROD_THREADS: "2" });
    assert.equal(forced.backend, backend);
    assert.equal(addon?.info().threads, 2);
  });

  test(
    "BAMSPROD_XNOR_PATH picks a path this CPU has, refuses one it lacks, and unset means the best",
    { skip },
    () => {
      const paths = ["avx512-vpopcntdq", "avx2", "popcnt", "generic"].filter((p) => addon!.setBinaryPath(p));
      for (const path of paths) {
        const { notice } = chooseBackend({ BAMSPROD_XNOR_PATH: path });
        assert.equal(addon!.info().binaryPath, path);
        assert.match(notice, new RegExp(`XNOR path ${path}\\)$`));
      }
      assert.throws(
        () => chooseBackend({ BAMSPROD_XNOR_PATH: "neon" }),
        new RegExp(`^BamsprodError: BAMSPROD_XNOR_PATH is "neon"; this CPU supports ${paths.join(", ")} \\(`),
      );
      chooseBackend({});
      assert.equal(addon!.info().binaryPath, paths[0]);
    },
  );

  test("the variables read when the addon loads refuse values it would ignore, naming them", () => {
    const cases: [string, string, string][] = [
      ["BAMSPROD_LOOP_PATH", "avx3", '"avx2" or "baseline"'],
      ["BAMSPROD_OPTIM_PATH", "AVX2", '"avx2" or "scalar"'],
      ["BAMSPROD_CONV_PATH", "winograd", '"winograd2x2" or "winograd4x4-all" or "im2col"'],
    ];
    for (const [name, value, allowed] of cases) {
      assert.throws(
        () => chooseBackend({ [name]: value }, missing),
        (e: Error) =>
          e instanceof BamsprodError &&
          e.message === `${name} is "${value}"; set it to ${allowed}, or unset it for the fastest`,
      );
      // The portable kernels never read them; a value the addon accepts passes anywhere.
      assert.equal(chooseBackend({ [name]: value, BAMSPROD_KERNELS: "portable" }).backend, portableBackend);
    }
    assert.equal(chooseBackend({ BAMSPROD_LOOP_PATH: "baseline" }, missing).backend, portableBackend);
  });

  test("useBackend installs the named backend and returns it", () => {
    assert.equal(useBackend("portable"), portableBackend);
    assert.equal(getBackend(), portableBackend);
    if (addon !== null) {
      const native = useBackend("native");
      assert.equal(native.name, "native");
      assert.equal(getBackend(), native);
    }
    assert.throws(
      () => useBackend("gpu" as "native"),
      /useBackend: "gpu" is not a backend; use "auto", "native" or "portable"/,
    );
  });
});
