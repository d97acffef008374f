/**
 * What a run computed with, recorded in every checkpoint, metrics.jsonl header and comparison
 * result (docs/performance.md, "Reproducibility"): the kernel set, the CPU model and the vector
 * paths the native kernels chose on it, OpenBLAS's core type and the thread count. The thread
 * count never changes the bits; the kernel set, the BLAS core type and the vector paths may, so
 * they make up the "CPU kind" that resuming and comparing check.
 */
import { cpus } from "node:os";
import { kernelInfo } from "./select.js";

export interface KernelEnvironment {
  /** "native" or "portable". */
  kernels: string;
  /** The CPU model as the OS names it (os.cpus()[0].model), e.g. "AMD EPYC". */
  cpu: string;
  /**
   * The native kernels' code paths, e.g. "xnor avx2, optimizer avx2, conv winograd4x4-20"
   * (records made before the Winograd backward passes lack "conv": those ran im2col; "conv
   * winograd" ran F(2x2) throughout); null on the portable kernels.
   */
  vectorPath: string | null;
  /** OpenBLAS's core type (openblas_get_corename), e.g. "Zen"; null on the portable kernels. */
  blasCore: string | null;
  /** Threads the kernels ran on. */
  threads: number;
}

/** The environment of the backend in use (see getBackend). */
export function kernelEnvironment(): KernelEnvironment {
  const info = kernelInfo();
  const native = info.kernels === "native" && info.native.available;
  return {
    kernels: info.kernels,
    cpu: cpus()[0]?.model.trim() || "unknown CPU",
    vectorPath: native ? `xnor ${info.binaryPath}, optimizer ${info.optimPath}, conv ${info.convPath}` : null,
    blasCore: native ? (info.blas?.core ?? null) : null,
    threads: info.threads,
  };
}

/** One line naming what may change the bits: "native kernels on AMD EPYC (xnor avx2, optimizer avx2; OpenBLAS Zen)". */
export function cpuKind(e: KernelEnvironment): string {
  if (e.kernels !== "native") return `${e.kernels} kernels on ${e.cpu}`;
  return `${e.kernels} kernels on ${e.cpu} (${e.vectorPath ?? "?"}; OpenBLAS ${e.blasCore ?? "?"})`;
}

/** True when two environments may give different bits for the same run (not for thread counts). */
export function sameBits(a: KernelEnvironment, b: KernelEnvironment): boolean {
  return cpuKind(a) === cpuKind(b);
}

/** Reads a recorded environment back (null when absent or malformed, e.g. older files). */
export function asEnvironment(value: unknown): KernelEnvironment | null {
  if (typeof value !== "object" || value === null) return null;
  const e = value as Record<string, unknown>;
  const text = (v: unknown): boolean => typeof v === "string";
  const optionalText = (v: unknown): boolean => v === null || typeof v === "string";
  if (!text(e.kernels) || !text(e.cpu) || !optionalText(e.vectorPath) || !optionalText(e.blasCore))
    return null;
  if (!Number.isSafeInteger(e.threads)) return null;
  return e as unknown as KernelEnvironment;
}
