// Convolution as im2col + GEMM. Small feature maps: a chunk of images is unrolled into a
// column matrix cols[C*KH*KW, nb*OH*OW] (column = image, output pixel) so that one large GEMM
// per chunk keeps OpenBLAS efficient; the chunk size bounds the scratch memory. Large feature
// maps go one image at a time. Unrolling, scattering and col2im run on the pool, and so do the
// GEMMs (gemm.cc: blocks fixed by the shape; one single-threaded call per image for large maps).
#include <algorithm>
#include <cstring>

#include "kernels.h"
#include "pool.h"
#include "scratch.h"
#include "vector_loops.h"

namespace bamsprod {
namespace {

// Upper bound on the floats of one column matrix (4 MiB): small enough to stay in the outer
// caches between im2col writing it and the GEMM reading it (measured faster than 16 MiB).
constexpr int64_t kColsBudget = int64_t(1) << 20;
// Output pixels per image from which images are convolved one at a time (measured on bcnn's
// 28x28 layers: 1.3-1.7x faster than batching them through a gather/scatter).
constexpr int64_t kPerImageMinPixels = 128;

int64_t chunkImages(const ConvGeometry& g) {
  // Large feature maps: one image per GEMM is already a large product, and the GEMM then
  // reads and writes the tensors in place (no gather/scatter), with the columns in L2.
  if (g.outHeight * g.outWidth >= kPerImageMinPixels) return 1;
  int64_t perImage = g.inChannels * g.kernelH * g.kernelW * g.outHeight * g.outWidth;
  return std::max<int64_t>(1, std::min(g.batch, kColsBudget / std::max<int64_t>(1, perImage)));
}

// Range of output columns ow whose input column ow*stride - pad + k lies inside [0, size).
void validRange(int64_t outSize, int64_t stride, int64_t pad, int64_t k, int64_t size, int64_t& lo,
                int64_t& hi) {
  int64_t offset = k - pad;  // input index = ow*stride + offset
  lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  hi = size - offset <= 0 ? 0 : (size - offset - 1) / stride + 1;
  lo = std::min(lo, outSize);
  hi = std::max(lo, std::min(hi, outSize));
}

// cols[r, img*OHW + p] for images [n0, n0+nb), rows r = (c, kh, kw).
void im2col(const float* x, const ConvGeometry& g, int64_t n0, int64_t nb, float* cols) {
  const int64_t kk = g.kernelH * g.kernelW, ohw = g.outHeight * g.outWidth, len = nb * ohw;
  const int64_t rows = g.inChannels * kk;
  parallelFor(rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, len)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const int64_t c = r / kk, kh = (r % kk) / g.kernelW, kw = r % g.kernelW;
      int64_t lo, hi;
      validRange(g.outWidth, g.strideW, g.padW, kw, g.inWidth, lo, hi);
      float* dst = cols + r * len;
      for (int64_t img = 0; img < nb; img++) {
        const float* plane = x + ((n0 + img) * g.inChannels + c) * g.inHeight * g.inWidth;
        for (int64_t oh = 0; oh < g.outHeight; oh++, dst += g.outWidth) {
          const int64_t ih = oh * g.strideH - g.padH + kh;
          if (ih < 0 || ih >= g.inHeight) {
            std::memset(dst, 0, sizeof(float) * g.outWidth);
            continue;
          }
          const float* src = plane + ih * g.inWidth + kw - g.padW;
          for (int64_t ow = 0; ow < lo; ow++) dst[ow] = 0;
          if (g.strideW == 1) {
            std::memcpy(dst + lo, src + lo, sizeof(float) * (hi - lo));
          } else {
            for (int64_t ow = lo; ow < hi; ow++) dst[ow] = src[ow * g.strideW];
          }
          for (int64_t ow = hi; ow < g.outWidth; ow++) dst[ow] = 0;
        }
      }
    }
  });
}

BAMSPROD_VECTOR_LOOP void addRowLoop(float* __restrict dst, const float* __restrict src, int64_t n) {
  for (int64_t i = 0; i < n; i++) dst[i] += src[i];
}

}  // namespace

void addRow(float* __restrict dst, const float* __restrict src, int64_t n) { vectorized<addRowLoop>(dst, src, n); }

namespace {

// dx planes of images [n0, n0+nb) = sum over (kh, kw) of the matching rows of dcols.
void col2im(const float* dcols, const ConvGeometry& g, int64_t n0, int64_t nb, float* dx) {
  const int64_t kk = g.kernelH * g.kernelW, ohw = g.outHeight * g.outWidth, len = nb * ohw;
  const int64_t hw = g.inHeight * g.inWidth;
  parallelFor(nb * g.inChannels, std::max<int64_t>(1, 8192 / std::max<int64_t>(1, kk * ohw)),
              [&](int64_t q0, int64_t q1) {
                for (int64_t q = q0; q < q1; q++) {
                  const int64_t img = q / g.inChannels, c = q % g.inChannels;
                  float* plane = dx + ((n0 + img) * g.inChannels + c) * hw;
                  std::memset(plane, 0, sizeof(float) * hw);
                  for (int64_t kh = 0; kh < g.kernelH; kh++) {
                    for (int64_t kw = 0; kw < g.kernelW; kw++) {
                      int64_t lo, hi;
                      validRange(g.outWidth, g.strideW, g.padW, kw, g.inWidth, lo, hi);
                      const float* src = dcols + (c * kk + kh * g.kernelW + kw) * len + img * ohw;
                      for (int64_t oh = 0; oh < g.outHeight; oh++) {
                        const int64_t ih = oh * g.strideH - g.padH + kh;
                        if (ih < 0 || ih >= g.inHeight) continue;
                        float* dst = plane + ih * g.inWidth + kw - g.padW;
                        const float* s = src + oh * g.outWidth;
                        if (g.strideW == 1)
                          addRow(dst + lo, s + lo, hi - lo);  // contiguous: vectorized
                        else
                          for (int64_t ow = lo; ow < hi; ow++) dst[ow * g.strideW] += s[ow];
                      }
                    }
                  }
                }
              });
}

// Moves between the GEMM layout [O, nb*OHW] and the tensor layout [nb, O, OHW].
void scatterToImages(const float* tmp, const ConvGeometry& g, int64_t nb, float* y) {
  const int64_t ohw = g.outHeight * g.outWidth, o = g.outChannels;
  parallelFor(nb * o, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, ohw)), [&](int64_t q0, int64_t q1) {
    for (int64_t q = q0; q < q1; q++) {
      const int64_t img = q / o, ch = q % o;
      std::memcpy(y + q * ohw, tmp + (ch * nb + img) * ohw, sizeof(float) * ohw);
    }
  });
}

void gatherFromImages(const float* y, const ConvGeometry& g, int64_t nb, float* tmp) {
  const int64_t ohw = g.outHeight * g.outWidth, o = g.outChannels;
  parallelFor(nb * o, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, ohw)), [&](int64_t q0, int64_t q1) {
    for (int64_t q = q0; q < q1; q++) {
      const int64_t img = q / o, ch = q % o;
      std::memcpy(tmp + (ch * nb + img) * ohw, y + q * ohw, sizeof(float) * ohw);
    }
  });
}

// Large feature maps (one image per GEMM): the pool splits the batch, and each thread runs whole
// images, im2col and one single-threaded GEMM per image: one hand-off per call instead of one
// per image's GEMM. Each output element is computed by the same code whatever the thread
// count, so results do not depend on it.

// Images per partial sum of the filter gradient: fixed, so the sum's order is too.
constexpr int64_t kFilterGroup = 8;

// One image per GEMM: each thread of the pool calls run(n, cols) for its images n, with its own
// column scratch of colsSize floats.
template <typename Run>
void eachImage(const ConvGeometry& g, int64_t colsSize, Run run) {
  parallelFor(g.batch, 1, [&](int64_t n0, int64_t n1) {
    float* cols = scratch(0, colsSize);
    for (int64_t n = n0; n < n1; n++) run(n, cols);
  });
}

}  // namespace

void conv2dForward(const float* x, const float* w, const ConvGeometry& g, float* y) {
  const int64_t ckk = g.inChannels * g.kernelH * g.kernelW, ohw = g.outHeight * g.outWidth;
  const int64_t chunk = chunkImages(g);
  if (chunk == 1) {
    eachImage(g, ckk * ohw, [&](int64_t n, float* cols) {
      im2col(x, g, n, 1, cols);
      gemmSingle(false, false, g.outChannels, ohw, ckk, 1.0f, w, cols, 0.0f, y + n * g.outChannels * ohw);
    });
    return;
  }
  float* cols = scratch(0, chunk * ckk * ohw);
  float* tmp = scratch(1, chunk * g.outChannels * ohw);
  for (int64_t n0 = 0; n0 < g.batch; n0 += chunk) {
    const int64_t nb = std::min(chunk, g.batch - n0);
    float* out = y + n0 * g.outChannels * ohw;
    im2col(x, g, n0, nb, cols);
    gemm(false, false, g.outChannels, nb * ohw, ckk, 1.0f, w, cols, 0.0f, nb > 1 ? tmp : out);
    if (nb > 1) scatterToImages(tmp, g, nb, out);
  }
}

void conv2dBackwardInput(const float* dy, const float* w, const ConvGeometry& g, float* dx) {
  if (winogradApplies(g)) return winogradBackwardInput(dy, w, g, dx);
  const int64_t ckk = g.inChannels * g.kernelH * g.kernelW, ohw = g.outHeight * g.outWidth;
  const int64_t chunk = chunkImages(g);
  if (chunk == 1) {
    eachImage(g, ckk * ohw, [&](int64_t n, float* dcols) {
      gemmSingle(true, false, ckk, ohw, g.outChannels, 1.0f, w, dy + n * g.outChannels * ohw, 0.0f, dcols);
      col2im(dcols, g, n, 1, dx);
    });
    return;
  }
  float* dcols = scratch(0, chunk * ckk * ohw);
  float* tmp = scratch(1, chunk * g.outChannels * ohw);
  for (int64_t n0 = 0; n0 < g.batch; n0 += chunk) {
    const int64_t nb = std::min(chunk, g.batch - n0);
    const float* grad = dy + n0 * g.outChannels * ohw;
    if (nb > 1) gatherFromImages(grad, g, nb, tmp);
    gemm(true, false, ckk, nb * ohw, g.outChannels, 1.0f, w, nb > 1 ? tmp : grad, 0.0f, dcols);
    col2im(dcols, g, n0, nb, dx);
  }
}

// dw += dy . cols^T, computed transposed, dwT[ckk, O] = cols . dy^T: the GEMM's long output
// dimension (ckk) then comes first, which OpenBLAS runs measurably faster (bcnn's layers:
// 97-116 against 68-104 GFLOP/s). One image per GEMM: groups of kFilterGroup images each sum
// into their own partial dwT on the pool, and the partials are added in group order.
// Several images per GEMM (small maps): the chunks add into one dwT in order.
void conv2dBackwardFilter(const float* x, const float* dy, const ConvGeometry& g, float* dw) {
  const int64_t ckk = g.inChannels * g.kernelH * g.kernelW, ohw = g.outHeight * g.outWidth;
  const int64_t O = g.outChannels, size = ckk * O;
  if (g.batch == 0) return;
  if (winogradApplies(g)) return winogradBackwardFilter(x, dy, g, dw);
  const int64_t chunk = chunkImages(g);
  float* dwT;
  if (chunk == 1) {
    const int64_t groups = (g.batch + kFilterGroup - 1) / kFilterGroup;
    float* partials = scratch(2, groups * size);
    parallelFor(groups, 1, [&](int64_t q0, int64_t q1) {
      float* cols = scratch(0, ckk * ohw);
      for (int64_t q = q0; q < q1; q++) {
        const int64_t n1 = std::min(g.batch, (q + 1) * kFilterGroup);
        for (int64_t n = q * kFilterGroup; n < n1; n++) {
          im2col(x, g, n, 1, cols);
          gemmSingle(false, true, ckk, O, ohw, 1.0f, cols, dy + n * O * ohw, n == q * kFilterGroup ? 0.0f : 1.0f,
               partials + q * size);
        }
      }
    });
    for (int64_t q = 1; q < groups; q++) addRow(partials, partials + q * size, size);
    dwT = partials;
  } else {
    float* cols = scratch(0, chunk * ckk * ohw);
    float* tmp = scratch(1, chunk * O * ohw);
    dwT = scratch(2, size);
    for (int64_t n0 = 0; n0 < g.batch; n0 += chunk) {
      const int64_t nb = std::min(chunk, g.batch - n0);
      const float* grad = dy + n0 * O * ohw;
      if (nb > 1) gatherFromImages(grad, g, nb, tmp);
      im2col(x, g, n0, nb, cols);
      gemm(false, true, ckk, O, nb * ohw, 1.0f, cols, nb > 1 ? tmp : grad, n0 == 0 ? 0.0f : 1.0f, dwT);
    }
  }
  for (int64_t o = 0; o < O; o++)
    for (int64_t r = 0; r < ckk; r++) dw[o * ckk + r] += dwT[r * O + o];
}

}  // namespace bamsprod
