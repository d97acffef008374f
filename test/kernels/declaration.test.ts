/**
 * Each kernel is declared once (src/kernels/declaration.ts); the native addon must register
 * exactly those functions with those argument counts, and the backend must hand them out.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { join } from "node:path";
import {
  kernelMethods,
  optimizerKernelArity,
  packedKernelArity,
  portableKernels,
  tensorKernelArity,
} from "../../src/kernels/index.js";
import { addonDeclaration, checkAddon, loadAddon, type NativeAddon } from "../../src/kernels/native/addon.js";
import { createNativeBackend } from "../../src/kernels/native/backend.js";
import { buildSrc, nodeBuiltins, outsideImports } from "../helpers/importGraph.js";

const load = loadAddon();
const skip = load.addon === null ? `native addon unavailable: ${load.reason}` : false;
const addon = (): NativeAddon => {
  if (load.addon === null) throw new Error("native addon not loaded");
  return load.addon;
};

test("the portable kernels have every declared tensor kernel with its argument count", () => {
  assert.deepEqual(kernelMethods, Object.keys(tensorKernelArity));
  for (const [name, arity] of Object.entries(tensorKernelArity)) {
    const kernel = portableKernels[name as keyof typeof tensorKernelArity];
    assert.equal(typeof kernel, "function", name);
    assert.equal(kernel.length, arity, name);
  }
});

test("the addon registers exactly the declared functions with the declared argument counts", { skip }, () => {
  assert.deepEqual(addon().signatures(), { ...addonDeclaration });
  assert.equal(checkAddon(addon()), null);
});

test("an addon that differs from the declaration is refused, saying what differs", { skip }, () => {
  const real = addon();
  const signatures = { ...real.signatures(), gemm: 9, extra: 1 };
  delete (signatures as Partial<Record<string, number>>).packSigns;
  const stale = { ...real, signatures: () => signatures };
  assert.equal(
    checkAddon(stale),
    "gemm takes 9 arguments natively, 10 declared, packSigns is missing, extra is not declared",
  );
  assert.equal(checkAddon({}), "it does not report its signatures");
});

test("a native call with another argument count throws instead of reading garbage", { skip }, () => {
  const gemm = addon().gemm as unknown as (...args: unknown[]) => void;
  assert.throws(() => gemm(false, false, 1, 1, 1, 1), /bamsprod native: gemm takes 10 arguments, got 6/);
});

test("the native backend hands out each declared group, function by function", { skip }, () => {
  const backend = createNativeBackend(addon());
  assert.equal(createNativeBackend(addon()), backend, "one backend per addon");
  for (const [group, declared] of [
    [backend.kernels, tensorKernelArity],
    [backend.optimizer, optimizerKernelArity],
    [backend.packed, packedKernelArity],
  ] as const) {
    for (const name of Object.keys(declared)) {
      assert.equal(
        (group as unknown as Record<string, unknown>)[name],
        (addon() as unknown as Record<string, unknown>)[name],
        name,
      );
    }
  }
  assert.ok(backend.dispatch.paths.includes("generic"));
  assert.ok(backend.dispatch.paths.includes(backend.dispatch.current()));
});

test("the backend and the packed runtime import no Node built-ins (browser-safe)", () => {
  for (const entry of ["kernels/index.js", "export/packedModel.js"]) {
    assert.deepEqual(nodeBuiltins(outsideImports(join(buildSrc, entry))), [], entry);
  }
});
