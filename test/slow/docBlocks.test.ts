/**
 * The documents with blocks marked `doctest: slow` (trainings on the full dataset, C builds),
 * every runnable block in order (CONTRIBUTING.md, "Code blocks in the docs").
 */
import { testDocuments } from "../docs/runDocs.js";

testDocuments(true);
