/** `bamsprod info`: which kernels are in use, on how many threads, with which BLAS. */
import type { Command } from "commander";
import { kernelInfo } from "../../kernels/select.js";

export function register(program: Command): void {
  program
    .command("info")
    .description("print the kernels in use, thread count and BLAS details")
    .option("--json", "print as JSON")
    .action((opts: { json?: boolean }) => {
      const info = kernelInfo();
      if (opts.json === true) {
        process.stdout.write(JSON.stringify(info) + "\n");
        return;
      }
      const lines = [
        `kernels: ${info.kernels}`,
        `threads: ${info.threads}`,
        info.native.available
          ? `native addon: ${info.native.path}`
          : `native addon: unavailable (${info.native.reason})`,
      ];
      if (info.blas !== null) {
        lines.push(`BLAS: ${info.blas.config} (core ${info.blas.core}, ${info.blas.threads} threads)`);
      }
      const paths: [string, string | null][] = [
        ["XNOR/popcount path", info.binaryPath],
        ["fused optimizer loops", info.optimPath],
        ["vectorized loops", info.loopPath],
        ["convolution backward passes", info.convPath],
      ];
      for (const [what, path] of paths) if (path !== null) lines.push(`${what}: ${path}`);
      process.stdout.write(lines.join("\n") + "\n");
    });
}
