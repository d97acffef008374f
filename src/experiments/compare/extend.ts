/**
 * Grids that do not stop at an edge: when an option's best value is the smallest or largest of
 * its grid, the grid grows one step further in that direction, a factor of {@link EXTEND_FACTOR}
 * in log space (the other options keep all their values: the grid stays a cartesian product).
 * compare repeats this after each round of tuning runs, at most `--grid-extensions` times
 * (default {@link DEFAULT_GRID_EXTENSIONS}); the report says which grids grew and which still
 * end at an edge.
 */
import type { Grid } from "./grid.js";

export const EXTEND_FACTOR = 3;
export const DEFAULT_GRID_EXTENSIONS = 3;

export interface Extension {
  grid: Grid;
  /** One line per option that grew, e.g. "lr: 0.01 -> 0.03". */
  notes: string[];
  /** Options at an edge that cannot grow: a value of 0 or below (no log space) or one the optimizer refuses. */
  blocked: string[];
}

/**
 * The grid extended past the edges that `chosen` sits on (`notes` empty: nothing grew).
 * `accepts` says whether the optimizer takes a set of options (so a rate is never pushed out of
 * its range).
 */
export function extendAtEdges(
  grid: Grid,
  chosen: Readonly<Record<string, number>>,
  accepts: (options: Record<string, number>) => boolean,
): Extension {
  const next: Grid = {};
  const notes: string[] = [];
  const blocked: string[] = [];
  for (const [name, values] of Object.entries(grid)) {
    next[name] = [...values];
    const value = chosen[name];
    if (values.length < 2 || value === undefined) continue;
    const low = Math.min(...values);
    const high = Math.max(...values);
    if (value !== low && value !== high) continue;
    const grown = value === high ? value * EXTEND_FACTOR : value / EXTEND_FACTOR;
    if (!(value > 0) || !accepts({ ...chosen, [name]: grown })) {
      blocked.push(name);
      continue;
    }
    next[name] = [...values, tidy(grown)].sort((a, b) => a - b);
    notes.push(`${name}: ${value} -> ${tidy(grown)}`);
  }
  return { grid: notes.length === 0 ? grid : next, notes, blocked };
}

/** 0.0030000000000000005 -> 0.003: the values name run directories, so keep them short. */
function tidy(v: number): number {
  return Number(v.toPrecision(12));
}
