/**
 * Every unmarked code block of README.md and docs/*.md runs as written (CONTRIBUTING.md, "Code
 * blocks in the docs"); blocks marked `doctest: slow` run in test/slow/docBlocks.test.ts. The
 * blocks run the default CLI and library, so the test runs once: in the native-kernel pass of
 * `npm test`, or in the portable one when the addon is not built.
 */
import { existsSync } from "node:fs";
import { addonPath } from "../../src/kernels/native/addon.js";
import { testDocuments } from "./runDocs.js";

const skip =
  process.env.BAMSPROD_KERNELS === "portable" && existsSync(addonPath)
    ? "runs once, in the native-kernel pass"
    : false;
testDocuments(false, skip);
