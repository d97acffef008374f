// The native kernels as plain C++ functions on raw arrays (row-major, caller-allocated), the
// same contracts as src/kernels/kernels.ts. addon.cc binds them to JavaScript; the argument
// sizes are checked there, so these trust their inputs.
#pragma once

#include <cstdint>

namespace bamsprod {

struct ConvGeometry {
  int64_t batch, inChannels, inHeight, inWidth, outChannels;
  int64_t kernelH, kernelW, strideH, strideW, padH, padW, outHeight, outWidth;
};

struct PoolGeometry {
  int64_t batch, channels, inHeight, inWidth, size, stride, outHeight, outWidth;
};

// x[batch, channels, spatial]: spatial = H*W for images, 1 for [N, C].
struct ChannelLayout {
  int64_t batch, channels, spatial;
};

// C = alpha * op(A) * op(B) + beta * C through cblas_sgemm, without copying. A large product
// is cut into blocks of whole output rows or columns fixed by its shape (never inside a sum),
// run on the pool, so the result does not depend on the thread count (gemm.cc).
void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          const float* b, float beta, float* c);
// The same product as one OpenBLAS call, for callers that already run on the pool.
void gemmSingle(bool transA, bool transB, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                const float* b, float beta, float* c);
// Holds OpenBLAS at one thread: the pool does all the splitting (see gemm.cc for why).
void useSingleThreadedBlas();

void conv2dForward(const float* x, const float* w, const ConvGeometry& g, float* y);
void conv2dBackwardInput(const float* dy, const float* w, const ConvGeometry& g, float* dx);
void conv2dBackwardFilter(const float* x, const float* dy, const ConvGeometry& g, float* dw);
// dst[i] += src[i] for i < n (vectorized; conv.cc), e.g. adding per-group partial sums in order.
void addRow(float* __restrict dst, const float* __restrict src, int64_t n);
// The backward passes by Winograd F(4x4, 3x3) on large maps and F(2x2, 3x3) on the others
// (winograd.cc), which the two above take for the shapes winogradApplies accepts: 3x3 kernels,
// stride 1, equal padding 0-2, 8+ channels each way, outputs of at least 2x2.
bool winogradApplies(const ConvGeometry& g);
// "winograd4x4-20" (F(4x4) on maps of 20x20 and more); "winograd2x2" when BAMSPROD_CONV_PATH=winograd2x2 keeps every Winograd pass on
// F(2x2), "winograd4x4-all" when =winograd4x4-all keeps every one on F(4x4); "im2col" when BAMSPROD_CONV_PATH=im2col keeps every convolution on im2col.
const char* convPath();
void winogradBackwardInput(const float* dy, const float* w, const ConvGeometry& g, float* dx);
void winogradBackwardFilter(const float* x, const float* dy, const ConvGeometry& g, float* dw);

void maxPoolForward(const float* x, const PoolGeometry& g, float* y, int32_t* argmax);
void maxPoolBackward(const float* dy, const int32_t* argmax, int64_t count, float* dx, int64_t dxLength);
void avgPoolForward(const float* x, const PoolGeometry& g, float* y);
void avgPoolBackward(const float* dy, const PoolGeometry& g, float* dx);

// x = min(max(x, -bound), bound) in place (NaN stays NaN).
void clipInPlace(float* x, int64_t n, float bound);

// y = sign(x): +1 where x >= 0, else -1 (NaN: -1).
void signForward(const float* x, int64_t n, float* y);
// dx += dy * (|x| <= 1 ? 1 : 0): the straight-through gradient of sign (and of hardtanh).
void steBackward(const float* x, const float* dy, int64_t n, float* dx);
// dx += dy * (|x| <= 1 ? 2 - 2|x| : 0) in double, rounded once: Bi-Real Net's gradient of sign.
void approxSignBackward(const float* x, const float* dy, int64_t n, float* dx);
// y = a + b in float32 (y may be a or b).
void addArrays(const float* a, const float* b, int64_t n, float* y);

// Batch-norm passes (src/kernels/kernels.ts documents them); all per-channel arrays are double.
void batchNormStatistics(const float* x, const ChannelLayout& l, double* mean, double* variance);
void batchNormApply(const float* x, const ChannelLayout& l, const double* scale, const double* shift, float* y);
void batchNormGradientSums(const float* x, const float* dy, const ChannelLayout& l, const double* mean,
                           const double* invStd, double* sumDy, double* sumDyXhat);
void batchNormInputGradient(const float* x, const float* dy, const ChannelLayout& l, const double* mean,
                            const double* k, const double* meanDy, const double* xCoef, float* dx);

// Per-channel passes (src/kernels/kernels.ts documents them); a null gradient is not wanted.
void channelSubtract(const float* x, const ChannelLayout& l, const float* b, float* y);
void channelSubtractBackward(const float* dy, const ChannelLayout& l, float* dx, float* db);
void channelMultiply(const float* x, const ChannelLayout& l, const float* a, float* y);
void channelMultiplyBackward(const float* x, const float* dy, const ChannelLayout& l, const float* a, float* dx,
                             float* da);
void rpreluForward(const float* x, const ChannelLayout& l, const float* g, const float* a, const float* z, float* u,
                   float* y);
void rpreluBackward(const float* u, const float* dy, const ChannelLayout& l, const float* a, float* dx, float* dg,
                    float* da, float* dz);

// c[m x n] = sum_k sign(a[i,k]) * sign(b[j,k]); sign(v) = +1 when v >= 0, else -1.
void binaryGemm(int64_t m, int64_t n, int64_t k, const float* a, const float* b, float* c);

// Sign bits, one row of `k` values per `rows`, packed into 64-bit words (bit set = negative),
// words per row = ceil(k / 64), unused high bits zero. Exposed for tests and benchmarks.
void packSigns(int64_t rows, int64_t k, const float* src, uint64_t* dst);

// XNOR product of packed operands: c[i,j] = k - 2 * popcount(a_i XOR b_j).
void binaryGemmPacked(int64_t m, int64_t n, int64_t k, const uint64_t* a, const uint64_t* b, float* c);

// The AVX2 path's table product (binary.cc) on operands the caller lays out, on the calling
// thread: c[i * n + j] = the sum over steps g of popcount(a_i,g XOR b_g,j) for 4-bit nibbles,
// where idx[(i / 2) * steps + g] = a_2p,g | a_2p+1,g << 4 (0 for a missing odd row) and
// b_g,j = planes[offsets[g] + j], a nibble 0-15 or 0x80 (counts 0); n a multiple of 32.
void binaryTableCountsAvx2(int64_t m, int64_t n, int64_t steps, const uint8_t* idx, const uint8_t* planes,
                           const int64_t* offsets, float* c);
// Its idx for rows of `words` 32-bit words: idx[pair * 8 * words + 8 w + e] = nibble e of row
// 2 pair's word w | that of row 2 pair + 1 << 4 (a dense product's 64-bit words read as 2 each).
void nibblePairIndices(int64_t rows, int64_t words, const uint32_t* a, uint8_t* idx);

// dst[r * stride + i] = nibble r (bits 4r .. 4r + 3) of src[i], for r < 8 and i < count: the
// nibble planes of that product (AVX2).
void nibbleRows(const uint32_t* src, int64_t count, uint8_t* dst, int64_t stride);

// Name of the XNOR/popcount code path chosen for this CPU ("avx512-vpopcntdq", "avx2", "popcnt", "generic").
const char* binaryPath();

// y = conv(sign(x), sign(w)) by XNOR + popcount over channel-packed signs; taps that fall in
// the zero padding contribute 0 (not +-1), so the result equals the float convolution of the
// +-1 tensors with zero padding, exactly.
void binaryConv2dForward(const float* x, const float* w, const ConvGeometry& g, float* y);

// The same convolution on signs already packed per pixel: pixels[N, H, W, ceil(C/32)] words,
// channel c in bit c % 32 of word c / 32, bit set = -1, unused bits 0 (the packed-inference
// layout of src/export/runtime).
void binaryConv2dPixels(const uint32_t* pixels, const float* w, const ConvGeometry& g, float* y);

// Folded batch-norm + sign into that layout: the sign of x[n, c, s] is -1 unless
// (x >= thresholds[c]) XOR flip[c] (float32 comparison; NaN compares false). Writes every word.
void thresholdPixels(const float* x, const ChannelLayout& l, const float* thresholds, const uint8_t* flip,
                     uint32_t* out);

// One image's signs x[C, spatial] into planes[ceil(C/32)][spatial] (unused channel bits 0), as
// thresholdPixels decides them; null thresholds mean 0 and null flip none (the plain sign).
void signPlanes(const float* x, int64_t channels, int64_t spatial, const float* thresholds, const uint8_t* flip,
                uint32_t* planes);

// One image's signs x[C, spatial] into out[spatial, ceil(C/32)], as signPlanes decides them.
void thresholdImage(const float* x, int64_t channels, int64_t spatial, const float* thresholds, const uint8_t* flip,
                    uint32_t* out);

// binaryConv2dPixels followed by thresholdPixels, fused: each image's sums are thresholded
// while in cache, and only the packed signs out[N, OH, OW, ceil(O/32)] are written.
void binaryConv2dThresholdPixels(const uint32_t* pixels, const float* w, const ConvGeometry& g,
                                 const float* thresholds, const uint8_t* flip, uint32_t* out);

// The same signs as rows for a binary dense layer: image n's signs in flattened (C, spatial)
// order, 32 per word, `rowWords` words per image (unused bits 0). Writes every word.
void thresholdRows(const float* x, const ChannelLayout& l, const float* thresholds, const uint8_t* flip,
                   int64_t rowWords, uint32_t* out);

// The XNOR/popcount code path in use (binary.cc picks it; binary_conv.cc follows it).
enum class BinaryPath { Generic, Popcnt, Avx2, Avx512 };
BinaryPath currentBinaryPath();

// Forces a code path by name (tests use it to check every path on one machine); false when the
// name is unknown or this CPU cannot run it.
bool setBinaryPath(const char* name);

}  // namespace bamsprod
