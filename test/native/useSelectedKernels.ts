/**
 * Preload for running the whole test suite on one kernel set:
 * `BAMSPROD_KERNELS=native node --import ./build/test/native/useSelectedKernels.js --test ...`
 * installs the kernels selectKernels() chooses (forced by BAMSPROD_KERNELS) before any test
 * runs, so every op of every test goes through them. Not a test file itself.
 */
import { setKernels } from "../../src/kernels/index.js";
import { selectKernels } from "../../src/kernels/select.js";

const { kernels, notice } = selectKernels();
setKernels(kernels);
if (process.env.BAMSPROD_QUIET_KERNELS !== "1") process.stderr.write(`${notice}\n`);
