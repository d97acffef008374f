/**
 * Headless Chromium for the report tests: finds the browser and dumps a page's DOM after it
 * has loaded (and run the test's own inline script), with every network path disabled.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** The first Chromium on PATH (or $CHROMIUM), or null when none is installed. */
export function findChromium(): string | null {
  const candidates = [process.env.CHROMIUM, "chromium", "chromium-browser", "google-chrome"].filter(
    (c): c is string => typeof c === "string" && c !== "",
  );
  for (const c of candidates) {
    if (spawnSync(c, ["--version"], { stdio: "ignore", timeout: 20000 }).status === 0) return c;
  }
  return null;
}

export function dumpDom(browser: string, htmlPath: string): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), "bamsprod-chromium-"));
  const args = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    `--user-data-dir=${profile}`,
    // Any host name fails to resolve: the page must not need the network.
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--dump-dom",
    pathToFileURL(htmlPath).href,
  ];
  return new Promise((resolve, reject) => {
    execFile(browser, args, { timeout: 60000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      rmSync(profile, { recursive: true, force: true });
      if (err) reject(new Error(`${browser} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}
