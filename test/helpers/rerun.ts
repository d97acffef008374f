/** Test files run again in a child process with other settings (a helper, not a test). */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

/**
 * Runs the test files again in a child process with `env` added (settings read once at load,
 * such as a lower native code path or another tfjs backend) and requires every test to pass.
 */
export function assertRerunPasses(files: string[], env: Record<string, string>): void {
  const child = spawnSync(process.execPath, ["--test", ...files], {
    // Without NODE_TEST_CONTEXT, which would make the child report to this runner instead of stdout.
    env: { ...process.env, NODE_TEST_CONTEXT: undefined, ...env },
    encoding: "utf8",
  });
  const what = Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  assert.equal(child.status, 0, `${what} run failed:\n${child.stdout.slice(-4000)}`);
  assert.match(child.stdout, /# fail 0/);
  assert.match(child.stdout, /# pass [1-9]\d+/);
}
