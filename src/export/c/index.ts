/** The C export: a packed model as dependency-free C99 source. */
export { generateC, C_FILES, type CModel } from "./generate.js";
