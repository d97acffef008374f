/** Whether two paths name the same file (same device and inode, so links and ../ count too). */
import { statSync } from "node:fs";
import { resolve } from "node:path";

export function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    const [sa, sb] = [statSync(a), statSync(b)];
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}
