/** Experiments: the convex counter-examples and the optimizer comparison. */
export * from "./convex/index.js";
export * from "./compare/index.js";
export {
  mean,
  sampleStd,
  welchInterval,
  studentTQuantile,
  studentTCdf,
  type WelchInterval,
} from "./stats.js";
