/**
 * Preload for running the whole test suite on one backend:
 * `BAMSPROD_KERNELS=native node --import ./build/test/kernels/useBackend.js --test ...`
 * installs the backend chooseBackend() picks (forced by BAMSPROD_KERNELS) before any test
 * runs, so every op of every test goes through it. Not a test file itself.
 */
import { setBackend } from "../../src/kernels/backend.js";
import { chooseBackend } from "../../src/kernels/select.js";

const { backend, notice } = chooseBackend();
setBackend(backend);
if (process.env.BAMSPROD_QUIET_KERNELS !== "1") process.stderr.write(`${notice}\n`);
