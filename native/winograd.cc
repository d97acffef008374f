// The backward passes of 3x3 stride-1 convolutions by Winograd's minimal filtering F(2x2, 3x3)
// (Lavin & Gray, arXiv 1509.09308): each 2x2 block of outputs takes 16 multiplications per
// channel pair instead of 36, as 16 GEMMs over blocks of tiles, so about 0.44 of im2col's
// multiply-adds; the tile transforms are additions (and halvings, exact in binary floating
// point) of 4x4 patches. Results agree with im2col + GEMM within float32 rounding, not bit for
// bit; like it they do not depend on the thread count: work is split by images in pieces fixed
// by the shape, and the filter gradient's per-group partial sums are added in group order.
//
// 1-D, d = 4 inputs, g = 3 taps, y = 2 outputs (y_u = sum_a g_a d_{u+a}):
//   B^T d = (d0 - d2, d1 + d2, d2 - d1, d1 - d3)      G g = (g0, (g0+g1+g2)/2, (g0-g1+g2)/2, g2)
//   y = A^T m = (m0 + m1 + m2, m1 - m2 - m3)           with m = (G g) . (B^T d)
// The filter gradient is the adjoint in g: dg = G^T ((A dy) . (B^T d)), with
//   A dy = (dy0, dy0 + dy1, dy0 - dy1, -dy1)          G^T e = (e0 + (e1+e2)/2, (e1-e2)/2, (e1+e2)/2 + e3).
// 2-D applies each over the row index, then over the column index.
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "kernels.h"
#include "pool.h"
#include "scratch.h"
#include "vector_loops.h"

namespace bamsprod {
namespace {

// Tiles per GEMM: enough columns for OpenBLAS to run near its peak on these narrow products
// (measured: 91-102 GFLOP/s from 196 tiles on bcnn's channel counts), few enough that the
// transformed tiles of a chunk stay in the outer caches.
constexpr int64_t kTilesPerChunk = 256;
// Images per partial sum of the filter gradient (as conv.cc's im2col path), doubled while the
// partial sums would take more than kPartialsBudget floats (wide layers): fixed by the shape.
constexpr int64_t kFilterGroup = 8;
constexpr int64_t kPartialsBudget = int64_t(1) << 24;  // 64 MiB

int64_t filterGroup(int64_t batch, int64_t size) {
  int64_t group = kFilterGroup;
  while (group < batch && ((batch + group - 1) / group) * size > kPartialsBudget) group *= 2;
  return group;
}

// A plane's 2x2 output tiles, stored in rows of `half` = tilesW + 1: tile (ti, k) at
// ti * half + k. The last one of each row (k = tilesW) is a spare the loops compute and drop,
// so that one loop runs over all of a plane's tiles with unit-stride operands (and vectorizes
// even on 14x14 maps, 7 tiles a row).
struct Tiling {
  int64_t tilesH, tilesW, half;
  int64_t perImage;  // tilesH * half: the tile slots of one image
  int64_t length;    // floats per polyphase array: (tilesH + 1) * half + 1 (see splitPlane)
  int64_t chunk;     // images per GEMM
};

Tiling tiling(int64_t outH, int64_t outW, int64_t batch) {
  Tiling t;
  t.tilesH = (outH + 1) / 2;
  t.tilesW = (outW + 1) / 2;
  t.half = t.tilesW + 1;
  t.perImage = t.tilesH * t.half;
  t.length = (t.tilesH + 1) * t.half + 1;
  t.chunk = std::max<int64_t>(1, std::min(batch, kTilesPerChunk / t.perImage));
  return t;
}

// The zero-padded plane x[i - pad][j - pad] (i < 2 * tilesH + extra, j < 2 * half) split into
// its four polyphase components, s[(2 * (i % 2) + j % 2) * length + (i / 2) * half + j / 2]:
// patch row 2ti + r, columns 2k + c, of tile (ti, k), is then one unit-stride array indexed by
// the tile slot ti * half + k (plus half when r >= 2, plus 1 when c >= 2), which is what lets
// the loops below run over all of a plane's tiles at once. row: scratch of 2 * half floats.
void splitPlane(const float* plane, int64_t h, int64_t w, int64_t pad, int64_t extra, const Tiling& t,
                float* __restrict s, float* __restrict row) {
  const int64_t width = 2 * t.half, len = std::min(w, width - pad);
  std::memset(row, 0, sizeof(float) * width);  // its borders stay zero
  for (int64_t i = 0; i < 2 * t.tilesH + extra; i++) {
    float* even = s + 2 * (i & 1) * t.length + (i >> 1) * t.half;
    float* odd = even + t.length;
    const int64_t src = i - pad;
    if (src < 0 || src >= h || len <= 0) {
      std::memset(even, 0, sizeof(float) * t.half);
      std::memset(odd, 0, sizeof(float) * t.half);
      continue;
    }
    std::memcpy(row + pad, plane + src * w, sizeof(float) * len);
    for (int64_t k = 0; k < t.half; k++) {
      even[k] = row[2 * k];
      odd[k] = row[2 * k + 1];
    }
  }
  for (int a = 0; a < 4; a++) s[a * t.length + t.length - 1] = 0;  // read by the last spare tile
}

// v[xi * stride + tile] = (B^T d B)[xi] for the 4x4 patches d of a split plane (extra = 2):
// columns 2k, 2k+1, 2k+2, 2k+3 of patch row r are e_r[j], o_r[j], e_r[j+1], o_r[j+1], j the slot.
BAMSPROD_VECTOR_LOOP void inputTiles(const float* __restrict s, const Tiling& t, float* __restrict v, int64_t stride) {
  const int64_t L = t.length;
  const float *e0 = s, *o0 = s + L, *e1 = s + 2 * L, *o1 = s + 3 * L;
  const float *e2 = e0 + t.half, *o2 = o0 + t.half, *e3 = e1 + t.half, *o3 = o1 + t.half;
#pragma GCC ivdep
  for (int64_t j = 0; j < t.perImage; j++) {
    // B^T over the patch's row index, for each of its four columns,
    const float a00 = e0[j] - e2[j], a01 = o0[j] - o2[j], a02 = e0[j + 1] - e2[j + 1], a03 = o0[j + 1] - o2[j + 1];
    const float a10 = e1[j] + e2[j], a11 = o1[j] + o2[j], a12 = e1[j + 1] + e2[j + 1], a13 = o1[j + 1] + o2[j + 1];
    const float a20 = e2[j] - e1[j], a21 = o2[j] - o1[j], a22 = e2[j + 1] - e1[j + 1], a23 = o2[j + 1] - o1[j + 1];
    const float a30 = e1[j] - e3[j], a31 = o1[j] - o3[j], a32 = e1[j + 1] - e3[j + 1], a33 = o1[j + 1] - o3[j + 1];
    // then B over its column index.
    const float r[16] = {a00 - a02, a01 + a02, a02 - a01, a01 - a03, a10 - a12, a11 + a12, a12 - a11, a11 - a13,
                         a20 - a22, a21 + a22, a22 - a21, a21 - a23, a30 - a32, a31 + a32, a32 - a31, a31 - a33};
    for (int xi = 0; xi < 16; xi++) v[xi * stride + j] = r[xi];
  }
}

// e[xi * stride + tile] = (A dy A^T)[xi] for the 2x2 blocks of dy, split with pad 0 and
// extra 0 (the spare tiles read the zero columns past the plane, so they are 0).
BAMSPROD_VECTOR_LOOP void gradTiles(const float* __restrict s, const Tiling& t, float* __restrict e, int64_t stride) {
  const int64_t L = t.length;
  const float *e0 = s, *o0 = s + L, *e1 = s + 2 * L, *o1 = s + 3 * L;
#pragma GCC ivdep
  for (int64_t j = 0; j < t.perImage; j++) {
    // A over the block's row index, then A^T over its column index.
    const float y00 = e0[j], y01 = o0[j], y10 = e1[j], y11 = o1[j];
    const float s0 = y00 + y10, s1 = y01 + y11, d0 = y00 - y10, d1 = y01 - y11;
    const float r[16] = {y00, y00 + y01, y00 - y01, -y01, s0, s0 + s1, s0 - s1, -s1,
                         d0,  d0 + d1,   d0 - d1,   -d1,  -y10, -y10 - y11, y11 - y10, y11};
    for (int xi = 0; xi < 16; xi++) e[xi * stride + j] = r[xi];
  }
}

// out[0, n) = even[0], odd[0], even[1], odd[1], ...
inline void interleave(const float* __restrict even, const float* __restrict odd, int64_t n, float* __restrict out) {
  for (int64_t k = 0; k < n / 2; k++) {
    out[2 * k] = even[k];
    out[2 * k + 1] = odd[k];
  }
  if (n & 1) out[n - 1] = even[n / 2];
}

// y[outH, outW] = (A^T m A) for each tile of m[xi * stride + tile]; odd edges and the spare
// tiles are dropped. rows: scratch of 4 * perImage floats.
BAMSPROD_VECTOR_LOOP void outputTiles(const float* __restrict m, int64_t stride, const Tiling& t, int64_t outH,
                                      int64_t outW, float* __restrict y, float* __restrict rows) {
  const int64_t n = t.perImage;
  float *y00 = rows, *y01 = rows + n, *y10 = rows + 2 * n, *y11 = rows + 3 * n;
#pragma GCC ivdep
  for (int64_t j = 0; j < n; j++) {
    float b0[4], b1[4];  // A^T over the row index of m,
    for (int s = 0; s < 4; s++) {
      const float m0 = m[(0 + s) * stride + j], m1 = m[(4 + s) * stride + j];
      const float m2 = m[(8 + s) * stride + j], m3 = m[(12 + s) * stride + j];
      b0[s] = m0 + m1 + m2;
      b1[s] = m1 - m2 - m3;
    }
    y00[j] = b0[0] + b0[1] + b0[2];  // then A over its column index
    y01[j] = b0[1] - b0[2] - b0[3];
    y10[j] = b1[0] + b1[1] + b1[2];
    y11[j] = b1[1] - b1[2] - b1[3];
  }
  for (int64_t ti = 0; ti < t.tilesH; ti++) {
    const int64_t at = ti * t.half;
    interleave(y00 + at, y01 + at, outW, y + 2 * ti * outW);
    if (2 * ti + 1 < outH) interleave(y10 + at, y11 + at, outW, y + (2 * ti + 1) * outW);
  }
}

// u[xi][c][o] = (G k G^T)[xi] for k = w[o][c] (w[O][C][3][3]) rotated by 180 degrees: the
// kernels of the backward-input correlation, input channel o, output channel c.
void flippedFilterTiles(const float* w, int64_t C, int64_t O, float* u) {
  const int64_t plane = C * O;
  for (int64_t c = 0; c < C; c++) {
    for (int64_t o = 0; o < O; o++) {
      const float* src = w + (o * C + c) * 9;
      float k[3][3];
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) k[i][j] = src[(2 - i) * 3 + (2 - j)];
      float a[4][3];  // G over the kernel's row index,
      for (int s = 0; s < 3; s++) {
        a[0][s] = k[0][s];
        a[1][s] = (k[0][s] + k[1][s] + k[2][s]) * 0.5f;
        a[2][s] = (k[0][s] - k[1][s] + k[2][s]) * 0.5f;
        a[3][s] = k[2][s];
      }
      for (int r = 0; r < 4; r++) {  // then G^T over its column index
        float* out = u + (4 * r) * plane + c * O + o;
        out[0] = a[r][0];
        out[plane] = (a[r][0] + a[r][1] + a[r][2]) * 0.5f;
        out[2 * plane] = (a[r][0] - a[r][1] + a[r][2]) * 0.5f;
        out[3 * plane] = a[r][2];
      }
    }
  }
}

// BAMSPROD_CONV_PATH=im2col keeps every convolution on im2col + GEMM (tests and benchmarks
// compare the two), read once at load time.
const bool kWinogradOff = [] {
  const char* path = std::getenv("BAMSPROD_CONV_PATH");
  return path != nullptr && std::strcmp(path, "im2col") == 0;
}();

}  // namespace

const char* convPath() { return kWinogradOff ? "im2col" : "winograd"; }

bool winogradApplies(const ConvGeometry& g) {
  return !kWinogradOff && g.kernelH == 3 && g.kernelW == 3 && g.strideH == 1 && g.strideW == 1 && g.padH == g.padW &&
         g.padH >= 0 && g.padH <= 2 && g.inChannels >= 8 && g.outChannels >= 8 && g.outHeight >= 2 &&
         g.outWidth >= 2;
}

// dx = the full correlation of dy with the flipped kernels: a "same"-sized 3x3 correlation of
// dy (padding 2 - pad) with k[c][o] = w[o][c] rotated by 180 degrees.
void winogradBackwardInput(const float* dy, const float* w, const ConvGeometry& g, float* dx) {
  const int64_t C = g.inChannels, O = g.outChannels, H = g.inHeight, W = g.inWidth;
  const int64_t pad = 2 - g.padH, ohw = g.outHeight * g.outWidth;
  const Tiling t = tiling(H, W, g.batch);
  float* u = scratch(3, 16 * C * O);
  flippedFilterTiles(w, C, O, u);
  const int64_t chunks = (g.batch + t.chunk - 1) / t.chunk;
  parallelFor(chunks, 1, [&](int64_t q0, int64_t q1) {
    for (int64_t q = q0; q < q1; q++) {
      const int64_t n0 = q * t.chunk, nb = std::min(t.chunk, g.batch - n0), T = nb * t.perImage;
      float* v = scratch(0, 16 * O * T);
      float* m = scratch(1, 16 * C * T);
      float* split = scratch(2, 4 * t.length + 2 * t.half + 4 * t.perImage);
      float* row = split + 4 * t.length;
      for (int64_t img = 0; img < nb; img++) {
        for (int64_t o = 0; o < O; o++) {
          splitPlane(dy + ((n0 + img) * O + o) * ohw, g.outHeight, g.outWidth, pad, 2, t, split, row);
          vectorized<inputTiles>(split, t, v + o * T + img * t.perImage, O * T);
        }
      }
      for (int xi = 0; xi < 16; xi++)
        gemmSingle(false, false, C, T, O, 1.0f, u + xi * C * O, v + xi * O * T, 0.0f, m + xi * C * T);
      float* rows = row + 2 * t.half;
      for (int64_t img = 0; img < nb; img++)
        for (int64_t c = 0; c < C; c++)
          vectorized<outputTiles>(m + c * T + img * t.perImage, C * T, t, H, W, dx + ((n0 + img) * C + c) * H * W,
                                  rows);
    }
  });
}

// dw[o][c] += G^T (sum over tiles of (A dy A^T) . (B^T x B)) G, the sum over tiles as 16 GEMMs
// per chunk of images, accumulated per group of images (filterGroup), groups added in order.
void winogradBackwardFilter(const float* x, const float* dy, const ConvGeometry& g, float* dw) {
  const int64_t C = g.inChannels, O = g.outChannels, H = g.inHeight, W = g.inWidth;
  const int64_t ohw = g.outHeight * g.outWidth, size = 16 * O * C;
  const int64_t group = filterGroup(g.batch, size), groups = (g.batch + group - 1) / group;
  const Tiling t = tiling(g.outHeight, g.outWidth, std::min(g.batch, group));
  float* partials = scratch(3, groups * size);
  parallelFor(groups, 1, [&](int64_t q0, int64_t q1) {
    for (int64_t q = q0; q < q1; q++) {
      const int64_t end = std::min(g.batch, (q + 1) * group);
      for (int64_t n0 = q * group; n0 < end; n0 += t.chunk) {
        const int64_t nb = std::min(t.chunk, end - n0), T = nb * t.perImage;
        float* v = scratch(0, 16 * C * T);
        float* e = scratch(1, 16 * O * T);
        float* split = scratch(2, 4 * t.length + 2 * t.half);
        float* row = split + 4 * t.length;
        for (int64_t img = 0; img < nb; img++) {
          for (int64_t c = 0; c < C; c++) {
            splitPlane(x + ((n0 + img) * C + c) * H * W, H, W, g.padH, 2, t, split, row);
            vectorized<inputTiles>(split, t, v + c * T + img * t.perImage, C * T);
          }
          for (int64_t o = 0; o < O; o++) {
            splitPlane(dy + ((n0 + img) * O + o) * ohw, g.outHeight, g.outWidth, 0, 0, t, split, row);
            vectorized<gradTiles>(split, t, e + o * T + img * t.perImage, O * T);
          }
        }
        const float beta = n0 == q * group ? 0.0f : 1.0f;
        for (int xi = 0; xi < 16; xi++)
          gemmSingle(false, true, O, C, T, 1.0f, e + xi * O * T, v + xi * C * T, beta,
                     partials + q * size + xi * O * C);
      }
    }
  });
  for (int64_t q = 1; q < groups; q++) addRow(partials, partials + q * size, size);
  const int64_t plane = O * C;
  for (int64_t oc = 0; oc < plane; oc++) {
    float mm[4][4];
    for (int xi = 0; xi < 16; xi++) mm[xi / 4][xi % 4] = partials[xi * plane + oc];
    float a[3][4];  // G^T over the row index of m,
    for (int s = 0; s < 4; s++) {
      a[0][s] = mm[0][s] + (mm[1][s] + mm[2][s]) * 0.5f;
      a[1][s] = (mm[1][s] - mm[2][s]) * 0.5f;
      a[2][s] = (mm[1][s] + mm[2][s]) * 0.5f + mm[3][s];
    }
    float* out = dw + oc * 9;
    for (int r = 0; r < 3; r++) {  // then G over its column index
      out[r * 3 + 0] += a[r][0] + (a[r][1] + a[r][2]) * 0.5f;
      out[r * 3 + 1] += (a[r][1] - a[r][2]) * 0.5f;
      out[r * 3 + 2] += (a[r][1] + a[r][2]) * 0.5f + a[r][3];
    }
  }
}

}  // namespace bamsprod
