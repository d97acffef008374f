import assert from "node:assert/strict";
import { test } from "node:test";
import { getKernels, portableKernels, setKernels, type Kernels } from "../../src/kernels/index.js";
import { Tensor, dense } from "../../src/tensor/index.js";

test("portable kernels are active by default", () => {
  assert.equal(getKernels().name, "portable");
});

test("setKernels switches what the ops call, and rejects incomplete implementations", () => {
  let calls = 0;
  const counting: Kernels = {
    ...portableKernels,
    name: "counting",
    gemm: (...args) => {
      calls++;
      portableKernels.gemm(...args);
    },
  };
  setKernels(counting);
  try {
    const y = dense(Tensor.from([1, 2], [1, 2]), Tensor.from([3, 4], [1, 2]), null);
    assert.equal(y.data[0], 11);
    assert.equal(calls, 1);
  } finally {
    setKernels(portableKernels);
  }
  const incomplete = { ...portableKernels, name: "broken" } as Partial<Kernels>;
  delete incomplete.avgPoolBackward;
  assert.throws(() => setKernels(incomplete as Kernels), /broken.*avgPoolBackward/);
  assert.equal(getKernels().name, "portable");
});
