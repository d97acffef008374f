/**
 * Kernel throughput: `npm run bench -- kernels [--batch 128] [--seconds 0.5]`.
 *
 * Reports GFLOP/s of the active kernels (portable unless something called setBackend) for the
 * matrix products of bmlp (dense 784->512->512 at batch 128, forward and both backward
 * products) and the convolutions of bcnn (3x3, padding 1, forward / backward input / backward
 * filter), each against a naive baseline measured in the same run: the textbook triple loop
 * for gemm and the direct seven-loop convolution for conv. The naive convolution runs on a
 * smaller batch (its rate does not depend on the batch size) to keep the run short.
 * Timings on a shared 2-core machine are noisy: compare ratios, not absolute numbers.
 */
import { convGeometry, getBackend, type ConvGeometry } from "../src/kernels/index.js";
import { Rng } from "../src/util/random.js";
import { BamsprodError } from "../src/util/errors.js";

interface Options {
  batch: number;
  seconds: number;
}

export default async function (args: string[]): Promise<void> {
  const options = parseArgs(args);
  const kernels = getBackend().kernels;
  console.log(`kernels: ${kernels.name}; batch ${options.batch}; GFLOP/s (higher is better)`);
  benchGemm(options);
  benchBinaryGemm(options);
  benchConv(options);
}

function parseArgs(args: string[]): Options {
  const options: Options = { batch: 128, seconds: 0.5 };
  for (let i = 0; i < args.length; i += 2) {
    const value = Number(args[i + 1]);
    if (args[i] === "--batch" && Number.isInteger(value) && value > 0) options.batch = value;
    else if (args[i] === "--seconds" && value > 0) options.seconds = value;
    else throw new BamsprodError(`bench kernels: unknown or invalid option ${args[i]} ${args[i + 1] ?? ""}`);
  }
  return options;
}

/** Seconds per call: an optional warm-up call, then repeats until `seconds` have passed (at least one). */
function timeIt(f: () => void, seconds: number, warmUp = true): number {
  if (warmUp) f();
  let reps = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    f();
    reps++;
    elapsed = (performance.now() - start) / 1000;
  } while (elapsed < seconds);
  return elapsed / reps;
}

function random(length: number, rng: Rng): Float32Array {
  return Float32Array.from({ length }, () => rng.uniform() * 2 - 1);
}

function row(label: string, fast: number, naive: number): void {
  const cells = [label.padEnd(44), fast.toFixed(2).padStart(8), naive.toFixed(2).padStart(8)];
  console.log(`${cells.join(" ")} ${(fast / naive).toFixed(1).padStart(7)}x`);
}

function header(title: string): void {
  console.log(
    `\n${title.padEnd(44)} ${"kernel".padStart(8)} ${"naive".padStart(8)} ${"speedup".padStart(8)}`,
  );
}

/** The textbook i-j-p loop, reading op(A) and op(B) through the transpose flags. */
function naiveGemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++)
        s += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
      c[i * n + j] = s;
    }
  }
}

function benchGemm({ batch, seconds }: Options): void {
  header("gemm (bmlp dense layers) m x n x k");
  const shapes: [string, boolean, boolean, number, number, number][] = [];
  for (const [inF, outF] of [
    [784, 512],
    [512, 512],
  ]) {
    shapes.push([`forward  x*w^T   ${batch}x${outF}x${inF}`, false, true, batch, outF, inF]);
    shapes.push([`backward dy*w    ${batch}x${inF}x${outF}`, false, false, batch, inF, outF]);
    shapes.push([`backward dy^T*x  ${outF}x${inF}x${batch}`, true, false, outF, inF, batch]);
  }
  const rng = new Rng(1);
  const gemm = getBackend().kernels.gemm;
  for (const [label, ta, tb, m, n, k] of shapes) {
    const a = random(m * k, rng);
    const b = random(k * n, rng);
    const c = new Float32Array(m * n);
    const flops = 2 * m * n * k;
    const fast = timeIt(() => gemm(ta, tb, m, n, k, 1, a, b, 0, c), seconds);
    const naive = timeIt(() => naiveGemm(ta, tb, m, n, k, a, b, c), seconds);
    row(label, flops / fast / 1e9, flops / naive / 1e9);
  }
}

function benchBinaryGemm({ batch, seconds }: Options): void {
  header("binaryGemm vs float gemm (same shape, 2mnk)");
  const rng = new Rng(2);
  const [m, n, k] = [batch, 512, 512];
  const a = random(m * k, rng);
  const b = random(n * k, rng);
  const c = new Float32Array(m * n);
  const kernels = getBackend().kernels;
  const flops = 2 * m * n * k;
  const binary = timeIt(() => kernels.binaryGemm(m, n, k, a, b, c), seconds);
  const float = timeIt(() => kernels.gemm(false, true, m, n, k, 1, a, b, 0, c), seconds);
  row(`binaryGemm ${m}x${n}x${k} (vs gemm)`, flops / binary / 1e9, flops / float / 1e9);
}

/** Direct convolution: the naive baseline. */
function naiveConvForward(x: Float32Array, w: Float32Array, g: ConvGeometry, y: Float32Array): void {
  const { inChannels: C, inHeight: H, inWidth: W, kernelH: KH, kernelW: KW } = g;
  let o = 0;
  for (let n = 0; n < g.batch; n++)
    for (let oc = 0; oc < g.outChannels; oc++)
      for (let oh = 0; oh < g.outHeight; oh++)
        for (let ow = 0; ow < g.outWidth; ow++, o++) {
          let s = 0;
          for (let c = 0; c < C; c++)
            for (let kh = 0; kh < KH; kh++) {
              const ih = oh * g.strideH - g.padH + kh;
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < KW; kw++) {
                const iw = ow * g.strideW - g.padW + kw;
                if (iw < 0 || iw >= W) continue;
                s += x[((n * C + c) * H + ih) * W + iw] * w[((oc * C + c) * KH + kh) * KW + kw];
              }
            }
          y[o] = s;
        }
}

function benchConv({ batch, seconds }: Options): void {
  header("conv 3x3 pad 1 (bcnn layers) HxWxC->O");
  const layers: [number, number, number][] = [
    [28, 1, 32],
    [28, 32, 32],
    [14, 32, 64],
    [14, 64, 64],
  ];
  const rng = new Rng(3);
  const kernels = getBackend().kernels;
  const naiveBatch = Math.min(batch, 4);
  for (const [size, inC, outC] of layers) {
    const g = convGeometry([batch, inC, size, size], [outC, inC, 3, 3], 1, 1);
    const small = { ...g, batch: naiveBatch };
    const x = random(batch * inC * size * size, rng);
    const w = random(outC * inC * 9, rng);
    const y = random(batch * outC * size * size, rng);
    const dx = new Float32Array(x.length);
    const dw = new Float32Array(w.length);
    const flops = 2 * batch * outC * size * size * inC * 9;
    const naiveFlops = (flops * naiveBatch) / batch;
    const naive = naiveFlops / timeIt(() => naiveConvForward(x, w, small, y), seconds) / 1e9;
    const label = `${size}x${size}x${inC}->${outC}`;
    // Time one call per pass at full batch (after a small-batch warm-up): each takes ~0.1-1 s.
    kernels.conv2dForward(x, w, small, y);
    const fwd = flops / timeIt(() => kernels.conv2dForward(x, w, g, y), 0, false) / 1e9;
    row(`${label} forward`, fwd, naive);
    kernels.conv2dBackwardInput(y, w, small, dx);
    const bwdIn = flops / timeIt(() => kernels.conv2dBackwardInput(y, w, g, dx), 0, false) / 1e9;
    row(`${label} backward input`, bwdIn, naive);
    kernels.conv2dBackwardFilter(x, y, small, dw);
    const bwdW = flops / timeIt(() => kernels.conv2dBackwardFilter(x, y, g, dw), 0, false) / 1e9;
    row(`${label} backward filter`, bwdW, naive);
  }
}
