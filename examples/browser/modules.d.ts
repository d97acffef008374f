// The demo's data, bundled as Uint8Arrays by scripts/build-demo.js (an esbuild plugin resolves
// "demo-data:NAME" to NAME in the build's output directory, loaded as binary).
declare module "demo-data:*" {
  const bytes: Uint8Array;
  export default bytes;
}
