// The backward passes of 3x3 stride-1 convolutions by Winograd's minimal filtering F(m x m, 3x3)
// (Lavin & Gray, arXiv 1509.09308), m = 2 or 4: each m x m block of outputs takes (m + 2)^2
// multiplications per channel pair instead of 9 m^2, as (m + 2)^2 GEMMs over blocks of tiles:
// about 0.44 (m = 2) or 0.25 (m = 4) of im2col's multiply-adds, less the tiles cut by the map's
// edge. The tile transforms are additions and multiplications by small constants of
// (m + 2) x (m + 2) patches; F(4x4) saves more products, but its transforms cost more, its edge
// tiles waste more on small maps, and it rounds more (constants up to 8 and 1/24): it runs where
// it saves enough (tileSize), and the tests hold both to im2col's rounding bound. Results agree
// with im2col + GEMM within float32 rounding, not bit for bit; like it they do not depend on
// the thread count: work is split by images in pieces fixed by the shape, and the filter
// gradient's per-group partial sums are added in group order.
//
// 1-D, y_u = sum_a g_a d_{u+a} (u < m, a < 3) is y = A^T ((G g) . (B^T d)); the filter
// gradient is its adjoint in g, dg = G^T ((A dy) . (B^T d)). For m = 2 (points 0, 1, -1, inf):
//   B^T d = (d0 - d2, d1 + d2, d2 - d1, d1 - d3)      G g = (g0, (g0+g1+g2)/2, (g0-g1+g2)/2, g2)
//   A^T q = (q0 + q1 + q2, q1 - q2 - q3)              A dy = (dy0, dy0 + dy1, dy0 - dy1, -dy1)
// For m = 4 (points 0, 1, -1, 2, -2, inf), the rows of B^T, G and A^T:
//   B^T: (4 0 -5 0 1 0) (0 -4 -4 1 1 0) (0 4 -4 -1 1 0) (0 -2 -1 2 1 0) (0 2 -1 -2 1 0) (0 4 0 -5 0 1)
//   G:   (1/4 0 0) (-1/6 -1/6 -1/6) (-1/6 1/6 -1/6) (1/24 1/12 1/6) (1/24 -1/12 1/6) (0 0 1)
//   A^T: (1 1 1 1 1 0) (0 1 -1 2 -2 0) (0 1 1 4 4 0) (0 1 -1 8 -8 1)
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

// Tile slots per GEMM, at least one image: few enough that a chunk's transformed tiles stay in
// the inner caches between the transform that writes them and the GEMM that reads them.
// Measured on bcnn's layers (Zen 5, 1 thread): one image per GEMM (56-210 slots) ran the
// backward passes 10-20% faster than 256 slots (up to 4 images), although each GEMM is narrower.
constexpr int64_t kTilesPerChunk = 64;
// Images per partial sum of the filter gradient (as conv.cc's im2col path), doubled while the
// partial sums would take more than kPartialsBudget floats (wide layers): fixed by the shape.
constexpr int64_t kFilterGroup = 8;
constexpr int64_t kPartialsBudget = int64_t(1) << 24;  // 64 MiB

int64_t filterGroup(int64_t batch, int64_t size) {
  int64_t group = kFilterGroup;
  while (group < batch && ((batch + group - 1) / group) * size > kPartialsBudget) group *= 2;
  return group;
}

// G for m = 2 and m = 4 (above), rows of 3 taps.
constexpr float kG2[4][3] = {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};
constexpr float kG4[6][3] = {{1.0f / 4, 0, 0},
                             {-1.0f / 6, -1.0f / 6, -1.0f / 6},
                             {-1.0f / 6, 1.0f / 6, -1.0f / 6},
                             {1.0f / 24, 1.0f / 12, 1.0f / 6},
                             {1.0f / 24, -1.0f / 12, 1.0f / 6},
                             {0, 0, 1}};

template <int M>
constexpr const float (&filterMatrix())[M + 2][3] {
  if constexpr (M == 2)
    return kG2;
  else
    return kG4;
}

// A plane's m x m output tiles, stored in rows of `half` = tilesW + 1: tile (ti, k) at
// ti * half + k. The last one of each row (k = tilesW) is a spare the loops compute and drop,
// so that one loop runs over all of a plane's tiles with unit-stride operands (and vectorizes
// even on small maps).
struct Tiling {
  int64_t tilesH, tilesW, half;
  int64_t perImage;  // tilesH * half: the tile slots of one image
  int64_t length;    // floats per polyphase array: (tilesH + 1) * half + 1 (see splitPlane)
  int64_t chunk;     // images per GEMM
};

template <int M>
Tiling tiling(int64_t outH, int64_t outW, int64_t batch) {
  Tiling t;
  t.tilesH = (outH + M - 1) / M;
  t.tilesW = (outW + M - 1) / M;
  t.half = t.tilesW + 1;
  t.perImage = t.tilesH * t.half;
  t.length = (t.tilesH + 1) * t.half + 1;
  t.chunk = std::max<int64_t>(1, std::min(batch, kTilesPerChunk / t.perImage));
  return t;
}

// The zero-padded plane x[i - pad][j - pad] (i < M * (tilesH + 1), j < M * half) split into its
// M^2 polyphase components, s[(M * (i % M) + j % M) * length + (i / M) * half + j / M]: patch row
// M ti + r, column M k + c, of tile (ti, k), is then one unit-stride array indexed by the tile
// slot ti * half + k (plus half when r >= M, plus 1 when c >= M), which is what lets the loops
// below run over all of a plane's tiles at once. row: scratch of M * half floats.
template <int M>
void splitPlane(const float* plane, int64_t h, int64_t w, int64_t pad, const Tiling& t, float* __restrict s,
                float* __restrict row) {
  const int64_t width = M * t.half, len = std::min(w, width - pad);
  std::memset(row, 0, sizeof(float) * width);  // its borders stay zero
  for (int64_t i = 0; i < M * (t.tilesH + 1); i++) {
    float* dst = s + M * (i % M) * t.length + (i / M) * t.half;
    const int64_t src = i - pad;
    if (src < 0 || src >= h || len <= 0) {
      for (int c = 0; c < M; c++) std::memset(dst + c * t.length, 0, sizeof(float) * t.half);
      continue;
    }
    std::memcpy(row + pad, plane + src * w, sizeof(float) * len);
    for (int64_t k = 0; k < t.half; k++)
      for (int c = 0; c < M; c++) dst[c * t.length + k] = row[M * k + c];
  }
  for (int a = 0; a < M * M; a++) s[a * t.length + t.length - 1] = 0;  // read by the last spare tile
}

// The polyphase array holding patch element (r, c) of the tile at slot 0 (splitPlane).
template <int M>
inline const float* patchElement(const float* s, const Tiling& t, int r, int c) {
  return s + (M * (r % M) + c % M) * t.length + (r / M) * t.half + c / M;
}

// v[xi * stride + tile] = (B^T d B)[xi] for the 4x4 patches d of a split plane:
// columns 2k, 2k+1, 2k+2, 2k+3 of patch row r are e_r[j], o_r[j], e_r[j+1], o_r[j+1], j the slot.
BAMSPROD_VECTOR_LOOP void inputTiles2(const float* __restrict s, const Tiling& t, float* __restrict v, int64_t stride) {
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

// B^T d for m = 4, d a 6-vector.
BAMSPROD_VECTOR_LOOP void inputTransform4(const float d[6], float out[6]) {
  const float a = d[4] - 4.0f * d[2], b = d[3] - 4.0f * d[1];
  const float c = d[4] - d[2], e = 2.0f * (d[3] - d[1]);
  out[0] = 4.0f * d[0] - 5.0f * d[2] + d[4];
  out[1] = a + b;
  out[2] = a - b;
  out[3] = c + e;
  out[4] = c - e;
  out[5] = 4.0f * d[1] - 5.0f * d[3] + d[5];
}

// e[xi * stride + tile] = (A dy A^T)[xi] for the 2x2 blocks of dy, split with pad 0 (the spare
// tiles read the zero columns past the plane, so they are 0).
BAMSPROD_VECTOR_LOOP void gradTiles2(const float* __restrict s, const Tiling& t, float* __restrict e, int64_t stride) {
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

// A y for m = 4, y a 4-vector.
BAMSPROD_VECTOR_LOOP void gradTransform4(const float y[4], float out[6]) {
  const float p = y[0] + y[2], q = y[1] + y[3];
  const float p4 = y[0] + 4.0f * y[2], q8 = 2.0f * y[1] + 8.0f * y[3];
  out[0] = y[0];
  out[1] = p + q;
  out[2] = p - q;
  out[3] = p4 + q8;
  out[4] = p4 - q8;
  out[5] = y[3];
}

// dst[(Out r + c) * dstStride + j] = (F p F^T)[r][c] for each slot j < count, where p[r][c] =
// src[r][c][j] is slot j's In x In input and F the 1-D transform Apply (In values to Out): over
// p's row index for each of its columns into a block of tmp, then over the column index. Two
// passes of few live values each, where one pass over a whole 6x6 patch ran out of registers.
template <int In, int Out, void (*Apply)(const float*, float*)>
BAMSPROD_VECTOR_LOOP void transform2d(const float* const (&src)[In][In], int64_t count, float* __restrict dst,
                                      int64_t dstStride) {
  constexpr int64_t kBlock = 64;
  alignas(64) float tmp[Out][In][kBlock];
  for (int64_t j0 = 0; j0 < count; j0 += kBlock) {
    const int64_t n = std::min(kBlock, count - j0);
#pragma GCC unroll 6
    for (int c = 0; c < In; c++) {
#pragma GCC ivdep
      for (int64_t j = 0; j < n; j++) {
        float d[In], col[Out];
#pragma GCC unroll 6
        for (int r = 0; r < In; r++) d[r] = src[r][c][j0 + j];
        Apply(d, col);
#pragma GCC unroll 6
        for (int r = 0; r < Out; r++) tmp[r][c][j] = col[r];
      }
    }
#pragma GCC unroll 6
    for (int r = 0; r < Out; r++) {
#pragma GCC ivdep
      for (int64_t j = 0; j < n; j++) {
        float d[In], row[Out];
#pragma GCC unroll 6
        for (int c = 0; c < In; c++) d[c] = tmp[r][c][j];
        Apply(d, row);
#pragma GCC unroll 6
        for (int c = 0; c < Out; c++) dst[(Out * r + c) * dstStride + j0 + j] = row[c];
      }
    }
  }
}

// out[xi * stride + tile] = (F p F^T)[xi] for m = 4 and each tile of a split plane: (B^T d B) for
// its 6x6 input patches d (In = 6, inputTransform4), (A dy A^T) for its 4x4 blocks of dy (In = 4,
// gradTransform4; as gradTiles2, the spare tiles are 0).
template <int In, void (*Apply)(const float*, float*)>
BAMSPROD_VECTOR_LOOP void tiles4(const float* __restrict s, const Tiling& t, float* __restrict out, int64_t stride) {
  const float* src[In][In];
  for (int r = 0; r < In; r++)
    for (int c = 0; c < In; c++) src[r][c] = patchElement<4>(s, t, r, c);
  transform2d<In, 6, Apply>(src, t.perImage, out, stride);
}

// y[outH, outW] from rows[(M r + c) * perImage + tile], output (r, c) of each tile: row M ti + r
// of y is rows r of tile row ti, interleaved by column; cut edges and spare tiles are dropped.
template <int M>
BAMSPROD_VECTOR_LOOP void interleaveRows(const float* __restrict rows, const Tiling& t, int64_t outH, int64_t outW,
                                         float* __restrict y) {
  const int64_t whole = outW / M;
  for (int64_t ti = 0; ti < t.tilesH; ti++)
    for (int r = 0; r < M && M * ti + r < outH; r++) {
      const float* lanes = rows + M * r * t.perImage + ti * t.half;
      float* out = y + (M * ti + r) * outW;
      for (int64_t k = 0; k < whole; k++)
#pragma GCC unroll 4
        for (int c = 0; c < M; c++) out[M * k + c] = lanes[c * t.perImage + k];
      for (int64_t i = M * whole; i < outW; i++) out[i] = lanes[(i % M) * t.perImage + whole];
    }
}

// rows[(M * r + c) * perImage + tile] = (A^T m A)[r][c] for each tile of m[xi * stride + tile].
BAMSPROD_VECTOR_LOOP void outputRows2(const float* __restrict m, int64_t stride, const Tiling& t,
                                      float* __restrict rows) {
  const int64_t n = t.perImage;
#pragma GCC ivdep
  for (int64_t j = 0; j < n; j++) {
    float b0[4], b1[4];  // A^T over the row index of m,
#pragma GCC unroll 4
    for (int s = 0; s < 4; s++) {
      const float m0 = m[(0 + s) * stride + j], m1 = m[(4 + s) * stride + j];
      const float m2 = m[(8 + s) * stride + j], m3 = m[(12 + s) * stride + j];
      b0[s] = m0 + m1 + m2;
      b1[s] = m1 - m2 - m3;
    }
    rows[j] = b0[0] + b0[1] + b0[2];  // then A over its column index
    rows[n + j] = b0[1] - b0[2] - b0[3];
    rows[2 * n + j] = b1[0] + b1[1] + b1[2];
    rows[3 * n + j] = b1[1] - b1[2] - b1[3];
  }
}

// A^T q for m = 4, q a 6-vector.
BAMSPROD_VECTOR_LOOP void outputTransform4(const float q[6], float out[4]) {
  const float p = q[1] + q[2], d = q[1] - q[2], r = q[3] + q[4], s = q[3] - q[4];
  out[0] = q[0] + p + r;
  out[1] = d + 2.0f * s;
  out[2] = p + 4.0f * r;
  out[3] = d + 8.0f * s + q[5];
}

BAMSPROD_VECTOR_LOOP void outputRows4(const float* __restrict m, int64_t stride, const Tiling& t,
                                      float* __restrict rows) {
  const float* src[6][6];
  for (int r = 0; r < 6; r++)
    for (int c = 0; c < 6; c++) src[r][c] = m + (6 * r + c) * stride;
  transform2d<6, 4, outputTransform4>(src, t.perImage, rows, t.perImage);
}

// The tile transforms of one size, for the templates below.
template <int M>
struct Transforms;
template <>
struct Transforms<2> {
  static constexpr auto input = inputTiles2;
  static constexpr auto grad = gradTiles2;
  static constexpr auto output = outputRows2;
};
template <>
struct Transforms<4> {
  static constexpr auto input = tiles4<6, inputTransform4>;
  static constexpr auto grad = tiles4<4, gradTransform4>;
  static constexpr auto output = outputRows4;
};

// y[outH, outW] = (A^T m A) for each tile of m[xi * stride + tile]; odd edges and the spare
// tiles are dropped. rows: scratch of M^2 * perImage floats.
template <int M>
void outputTiles(const float* m, int64_t stride, const Tiling& t, int64_t outH, int64_t outW, float* y, float* rows) {
  vectorized<Transforms<M>::output>(m, stride, t, rows);
  vectorized<interleaveRows<M>>(rows, t, outH, outW, y);
}

// q = F k F^T, F an (M+2) x 3 matrix (zero entries skipped, so that they contribute exactly 0).
template <int M>
void sandwich3(const float (&f)[M + 2][3], const float k[3][3], float q[M + 2][M + 2]) {
  float a[M + 2][3];
  for (int r = 0; r < M + 2; r++)
    for (int s = 0; s < 3; s++) {
      float sum = 0;
      for (int i = 0; i < 3; i++)
        if (f[r][i] != 0) sum += f[r][i] * k[i][s];
      a[r][s] = sum;
    }
  for (int r = 0; r < M + 2; r++)
    for (int c = 0; c < M + 2; c++) {
      float sum = 0;
      for (int i = 0; i < 3; i++)
        if (f[c][i] != 0) sum += a[r][i] * f[c][i];
      q[r][c] = sum;
    }
}

// u[xi][c][o] = (G k G^T)[xi] for k = w[o][c] (w[O][C][3][3]) rotated by 180 degrees: the
// kernels of the backward-input correlation, input channel o, output channel c.
template <int M>
void flippedFilterTiles(const float* w, int64_t C, int64_t O, float* u) {
  const int64_t plane = C * O;
  for (int64_t c = 0; c < C; c++) {
    for (int64_t o = 0; o < O; o++) {
      const float* src = w + (o * C + c) * 9;
      float k[3][3], q[M + 2][M + 2];
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) k[i][j] = src[(2 - i) * 3 + (2 - j)];
      sandwich3<M>(filterMatrix<M>(), k, q);
      for (int xi = 0; xi < (M + 2) * (M + 2); xi++) u[xi * plane + c * O + o] = q[xi / (M + 2)][xi % (M + 2)];
    }
  }
}

// dw[oc] += G^T m G for m[xi] = sums[xi * plane + oc], each of the plane's filters.
template <int M>
void addFilterGradients(const float* sums, int64_t plane, float* dw) {
  const auto& f = filterMatrix<M>();
  for (int64_t oc = 0; oc < plane; oc++) {
    float a[3][M + 2];  // G^T over the row index of m,
    for (int i = 0; i < 3; i++)
      for (int s = 0; s < M + 2; s++) {
        float sum = 0;
        for (int r = 0; r < M + 2; r++)
          if (f[r][i] != 0) sum += f[r][i] * sums[(r * (M + 2) + s) * plane + oc];
        a[i][s] = sum;
      }
    float* out = dw + oc * 9;
    for (int i = 0; i < 3; i++)  // then G over its column index
      for (int j = 0; j < 3; j++) {
        float sum = 0;
        for (int s = 0; s < M + 2; s++)
          if (f[s][j] != 0) sum += a[i][s] * f[s][j];
        out[i * 3 + j] += sum;
      }
  }
}

// dx = the full correlation of dy with the flipped kernels: a "same"-sized 3x3 correlation of
// dy (padding 2 - pad) with k[c][o] = w[o][c] rotated by 180 degrees.
template <int M>
void backwardInput(const float* dy, const float* w, const ConvGeometry& g, float* dx) {
  constexpr int kAlpha2 = (M + 2) * (M + 2);
  const int64_t C = g.inChannels, O = g.outChannels, H = g.inHeight, W = g.inWidth;
  const int64_t pad = 2 - g.padH, ohw = g.outHeight * g.outWidth;
  const Tiling t = tiling<M>(H, W, g.batch);
  float* u = scratch(3, kAlpha2 * C * O);
  flippedFilterTiles<M>(w, C, O, u);
  const int64_t chunks = (g.batch + t.chunk - 1) / t.chunk;
  parallelFor(chunks, 1, [&](int64_t q0, int64_t q1) {
    for (int64_t q = q0; q < q1; q++) {
      const int64_t n0 = q * t.chunk, nb = std::min(t.chunk, g.batch - n0), T = nb * t.perImage;
      float* v = scratch(0, kAlpha2 * O * T);
      float* m = scratch(1, kAlpha2 * C * T);
      float* split = scratch(2, M * M * t.length + M * t.half + M * M * t.perImage);
      float* row = split + M * M * t.length;
      for (int64_t img = 0; img < nb; img++) {
        for (int64_t o = 0; o < O; o++) {
          splitPlane<M>(dy + ((n0 + img) * O + o) * ohw, g.outHeight, g.outWidth, pad, t, split, row);
          vectorized<Transforms<M>::input>(split, t, v + o * T + img * t.perImage, O * T);
        }
      }
      for (int xi = 0; xi < kAlpha2; xi++)
        gemmSingle(false, false, C, T, O, 1.0f, u + xi * C * O, v + xi * O * T, 0.0f, m + xi * C * T);
      float* rows = row + M * t.half;
      for (int64_t img = 0; img < nb; img++)
        for (int64_t c = 0; c < C; c++)
          outputTiles<M>(m + c * T + img * t.perImage, C * T, t, H, W, dx + ((n0 + img) * C + c) * H * W, rows);
    }
  });
}

// dw[o][c] += G^T (sum over tiles of (A dy A^T) . (B^T x B)) G, the sum over tiles as (M+2)^2
// GEMMs per chunk of images, accumulated per group of images (filterGroup), groups added in order.
template <int M>
void backwardFilter(const float* x, const float* dy, const ConvGeometry& g, float* dw) {
  constexpr int kAlpha2 = (M + 2) * (M + 2);
  const int64_t C = g.inChannels, O = g.outChannels, H = g.inHeight, W = g.inWidth;
  const int64_t ohw = g.outHeight * g.outWidth, size = kAlpha2 * O * C;
  const int64_t group = filterGroup(g.batch, size), groups = (g.batch + group - 1) / group;
  const Tiling t = tiling<M>(g.outHeight, g.outWidth, std::min(g.batch, group));
  float* partials = scratch(3, groups * size);
  parallelFor(groups, 1, [&](int64_t q0, int64_t q1) {
    for (int64_t q = q0; q < q1; q++) {
      const int64_t end = std::min(g.batch, (q + 1) * group);
      for (int64_t n0 = q * group; n0 < end; n0 += t.chunk) {
        const int64_t nb = std::min(t.chunk, end - n0), T = nb * t.perImage;
        float* v = scratch(0, kAlpha2 * C * T);
        float* e = scratch(1, kAlpha2 * O * T);
        float* split = scratch(2, M * M * t.length + M * t.half);
        float* row = split + M * M * t.length;
        for (int64_t img = 0; img < nb; img++) {
          for (int64_t c = 0; c < C; c++) {
            splitPlane<M>(x + ((n0 + img) * C + c) * H * W, H, W, g.padH, t, split, row);
            vectorized<Transforms<M>::input>(split, t, v + c * T + img * t.perImage, C * T);
          }
          for (int64_t o = 0; o < O; o++) {
            splitPlane<M>(dy + ((n0 + img) * O + o) * ohw, g.outHeight, g.outWidth, 0, t, split, row);
            vectorized<Transforms<M>::grad>(split, t, e + o * T + img * t.perImage, O * T);
          }
        }
        const float beta = n0 == q * group ? 0.0f : 1.0f;
        for (int xi = 0; xi < kAlpha2; xi++)
          gemmSingle(false, true, O, C, T, 1.0f, e + xi * O * T, v + xi * C * T, beta,
                     partials + q * size + xi * O * C);
      }
    }
  });
  for (int64_t q = 1; q < groups; q++) addRow(partials, partials + q * size, size);
  addFilterGradients<M>(partials, O * C, dw);
}

// BAMSPROD_CONV_PATH=im2col keeps every convolution on im2col + GEMM, =winograd2x2 runs every
// Winograd backward pass on F(2x2) tiles, =winograd4x4-all on F(4x4) tiles (tests and
// benchmarks compare them), read once at load.
enum class ConvPath { Winograd, Winograd2x2, Winograd4x4All, Im2col };
const ConvPath kConvPath = [] {
  const char* path = std::getenv("BAMSPROD_CONV_PATH");
  if (path != nullptr && std::strcmp(path, "im2col") == 0) return ConvPath::Im2col;
  if (path != nullptr && std::strcmp(path, "winograd2x2") == 0) return ConvPath::Winograd2x2;
  if (path != nullptr && std::strcmp(path, "winograd4x4-all") == 0) return ConvPath::Winograd4x4All;
  return ConvPath::Winograd;
}();

// The ratio of F(4x4)'s GEMM work to F(2x2)'s on the layer's map, tile slots times (m + 2)^2.
double workRatio(int64_t outH, int64_t outW) {
  const double f2 = 16.0 * ((outH + 1) / 2) * ((outW + 1) / 2 + 1);
  const double f4 = 36.0 * ((outH + 3) / 4) * ((outW + 3) / 4 + 1);
  return f4 / f2;
}

// 4 where F(4x4) saves enough GEMM work over F(2x2) to pay for its dearer transforms, else 2:
// maps of at least 20x20 whose ratio is at most 0.7. Measured (Zen 5, 1 thread, batch 128, 32
// and 64 channels each way, both passes): F(4x4) faster by 5-25% on 20x20 to 28x28 maps;
// within 10% either way on 12x12 and 16x16 (ratios 0.64, 0.63); 1.4-2.6x slower on 7x7 and
// 8x8 (ratio 0.68: few tiles per image, most cut at the edge); 7-23% slower on 14x14 (0.80).
int tileSize(int64_t outH, int64_t outW) {
  if (kConvPath == ConvPath::Winograd4x4All) return 4;
  const bool large = std::min(outH, outW) >= 20 && workRatio(outH, outW) <= 0.7;
  return kConvPath == ConvPath::Winograd && large ? 4 : 2;
}

}  // namespace

const char* convPath() {
  switch (kConvPath) {
    case ConvPath::Im2col:
      return "im2col";
    case ConvPath::Winograd2x2:
      return "winograd2x2";
    case ConvPath::Winograd4x4All:
      return "winograd4x4-all";
    default:
      return "winograd4x4-20";
  }
}

bool winogradApplies(const ConvGeometry& g) {
  return kConvPath != ConvPath::Im2col && g.kernelH == 3 && g.kernelW == 3 && g.strideH == 1 && g.strideW == 1 &&
         g.padH == g.padW && g.padH >= 0 && g.padH <= 2 && g.inChannels >= 8 && g.outChannels >= 8 &&
         g.outHeight >= 2 && g.outWidth >= 2;
}

void winogradBackwardInput(const float* dy, const float* w, const ConvGeometry& g, float* dx) {
  if (tileSize(g.inHeight, g.inWidth) == 4) return backwardInput<4>(dy, w, g, dx);
  backwardInput<2>(dy, w, g, dx);
}

void winogradBackwardFilter(const float* x, const float* dy, const ConvGeometry& g, float* dw) {
  if (tileSize(g.outHeight, g.outWidth) == 4) return backwardFilter<4>(x, dy, g, dw);
  backwardFilter<2>(x, dy, g, dw);
}

}  // namespace bamsprod
