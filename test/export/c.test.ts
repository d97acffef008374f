/**
 * The C export against the packed model it came from, compiled with the system gcc: logits
 * bit-identical to the TypeScript runtime on the portable kernels (the generated code follows
 * its arithmetic), on a randomized bmlp, a model with odd geometry and small randomized residual
 * models (the trained built-in models, on every test image: test/slow/cExport.test.ts). Then the API the
 * header declares, and the errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  compileModel,
  encodePacked,
  generateC,
  loadPacked,
  type PackedSpec,
} from "../../src/export/index.js";
import { getBackend, portableBackend, setBackend } from "../../src/kernels/index.js";
import { bitDifferences, firstImages, oddModel, randomModel } from "./helpers.js";
import { buildClassify, runClassify, writeCModel } from "./cModel.js";
import { randomResidualModel } from "./residualHelpers.js";

/** Packed logits on the portable kernels (the arithmetic the C code reproduces). */
function portableLogits(spec: PackedSpec, images: Uint8Array, count: number): Float32Array {
  const before = getBackend();
  setBackend(portableBackend);
  try {
    return loadPacked(encodePacked(spec)).logits(images, count);
  } finally {
    setBackend(before);
  }
}

const models: Array<[string, () => PackedSpec]> = [
  ["randomized bmlp", () => compileModel(randomModel("bmlp", 5))],
  ["odd geometry (40 channels, stride 2, padding, bias, float kernel)", () => compileModel(oddModel())],
  // Residual blocks (identity and downsampling shortcuts), average pooling, RSign thresholds, RPReLU.
  ["randomized small birealnet", () => compileModel(randomResidualModel("birealnet", 3))],
  ["randomized small reactnet", () => compileModel(randomResidualModel("reactnet", 4))],
];

for (const [name, make] of models) {
  test(`C export, ${name}: gcc-built logits bit-identical to the packed runtime on 100 test images`, () => {
    const spec = make();
    const { images, count } = firstImages(100);
    const exe = buildClassify(writeCModel(spec));
    const c = runClassify(exe, images, spec.classes);
    const expected = portableLogits(spec, images, count);
    assert.deepEqual(bitDifferences(c.logits, expected), []);
    assert.deepEqual(c.classes, loadPacked(encodePacked(spec)).predict(images, count));
  });
}

test("the header declares exactly the documented API; weights are const, buffers static", () => {
  const spec = compileModel(randomModel("bmlp", 1));
  spec.info.classNames = ["T-shirt/top", 'say "hi"', "back\\slash", "??=", "é", "6", "7", "8", "9", "10"];
  const c = generateC(spec);
  const declarations = c.header
    .split("\n")
    .filter((l) => /^(#define BAMSPROD_|extern const |int )/.test(l))
    .map((l) => l.trim());
  assert.deepEqual(declarations, [
    "#define BAMSPROD_MODEL_H",
    "#define BAMSPROD_INPUT_SIZE 784",
    "#define BAMSPROD_NUM_CLASSES 10",
    "extern const char *const bamsprod_class_names[];",
    "int bamsprod_predict(const uint8_t *pixels, float *logits);",
  ]);
  assert.doesNotMatch(c.source, /malloc|calloc|free\(|#include <stdio/);
  const arrays = [...c.source.matchAll(/^(static )?(const )?(\w+) (bamsprod_\w+)\[/gm)];
  for (const a of arrays) {
    if (a[4].startsWith("bamsprod_l")) assert.equal(a[2], "const ", `${a[4]} must be const`);
  }
  assert.match(c.source, /static union \{ float f\[\d+\]; uint32_t w\[\d+\]; \} bamsprod_buffer0;/);
  // The class names are escaped into valid C string literals.
  const dir = writeCModel(spec);
  buildClassify(dir); // compiles with -Werror
  assert.ok(readFileSync(join(dir, "bamsprod_model.c"), "utf8").includes('"say \\"hi\\""'));
});

test("a layer kind the C export lacks is an error naming it", () => {
  const spec = compileModel(randomModel("bmlp", 1));
  (spec.layers as unknown[]).splice(3, 0, { type: "rsign", bias: new Float32Array(512) });
  assert.throws(() => generateC(spec), {
    name: "BamsprodError",
    message: /the C export does not support layer 3 of type "rsign"/,
  });
});
