/** The class names a packed model carries in its info (`classNames`), with a fallback. */
import type { PackedSpec } from "./format.js";

/** The model's class names (`info.classNames`), else "class 0", "class 1", ... */
export function classNames(spec: PackedSpec): string[] {
  const names = spec.info.classNames;
  if (Array.isArray(names) && names.length === spec.classes && names.every((n) => typeof n === "string")) {
    return names as string[];
  }
  return Array.from({ length: spec.classes }, (_, i) => `class ${i}`);
}
