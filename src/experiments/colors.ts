/** One colour per optimizer in every plot, so a reader can compare figures at a glance. */
import { palette } from "../report/index.js";

const fixed: Record<string, string> = {
  bamsprod: "#000000",
  adam: "#D55E00",
  amsgrad: "#0072B2",
  adabound: "#E69F00",
  amsbound: "#56B4E9",
  bop: "#009E73",
  sgd: "#CC79A7",
};

export function optimizerColor(name: string, index = 0): string {
  return fixed[name] ?? palette[index % palette.length];
}
