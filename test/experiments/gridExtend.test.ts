import { test } from "node:test";
import assert from "node:assert/strict";
import { extendAtEdges } from "../../src/experiments/compare/extend.js";

const any = (): boolean => true;

test("a best point at a grid's edge grows the grid x3 that way; an inner one does not", () => {
  const grid = { lr: [1e-3, 3e-3, 1e-2] };
  assert.deepEqual(extendAtEdges(grid, { lr: 1e-2 }, any), {
    grid: { lr: [1e-3, 3e-3, 1e-2, 0.03] },
    notes: ["lr: 0.01 -> 0.03"],
    blocked: [],
  });
  assert.deepEqual(extendAtEdges(grid, { lr: 1e-3 }, any).grid, {
    lr: [0.000333333333333, 1e-3, 3e-3, 1e-2],
  });
  assert.deepEqual(extendAtEdges(grid, { lr: 3e-3 }, any), { grid, notes: [], blocked: [] });
});

test("several options at once: each at an edge grows, the others keep their values", () => {
  const grid = { gamma: [3e-5, 1e-4, 3e-4], threshold: [1e-8, 1e-7, 1e-6] };
  const e = extendAtEdges(grid, { gamma: 1e-4, threshold: 1e-6 }, any);
  assert.deepEqual(e.grid, { gamma: [3e-5, 1e-4, 3e-4], threshold: [1e-8, 1e-7, 1e-6, 3e-6] });
  const both = extendAtEdges(grid, { gamma: 3e-5, threshold: 1e-8 }, any);
  assert.deepEqual(both.notes, ["gamma: 0.00003 -> 0.00001", "threshold: 1e-8 -> 3.33333333333e-9"]);
});

test("an edge the optimizer refuses to pass, or at zero, is blocked rather than grown", () => {
  const grid = { gamma: [0.1, 0.3, 0.9], weightDecay: [0, 1e-4] };
  const rate = (o: Record<string, number>): boolean => o.gamma <= 1;
  const e = extendAtEdges(grid, { gamma: 0.9, weightDecay: 0 }, rate);
  assert.deepEqual(e, { grid, notes: [], blocked: ["gamma", "weightDecay"] });
  assert.deepEqual(
    extendAtEdges({ lr: [1e-3] }, { lr: 1e-3 }, any).notes,
    [],
    "a single value is a choice, not a grid",
  );
});
