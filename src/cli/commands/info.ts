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
      if (info.binaryPath !== null) lines.push(`XNOR/popcount path: ${info.binaryPath}`);
      process.stdout.write(lines.join("\n") + "\n");
    });
}
