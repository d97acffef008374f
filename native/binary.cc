// Bit-packed binary products. Signs are packed 64 to a word (bit set = negative value, so
// equal signs XOR to 0); for +-1 vectors a.b = k - 2 * popcount(a XOR b). The padding bits of
// the last word are 0 in both operands and so never count. The code path is picked once from
// the CPU's features: AVX-512 VPOPCNTDQ (8 words per instruction), AVX2 (nibble tables after
// Mula, Kurz & Lemire, arXiv 1611.07612: one vpshufb per 256 bit products), the POPCNT
// instruction, or the compiler's generic popcount, all exact.
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels.h"
#include "pool.h"
#include "scratch.h"

namespace bamsprod {
namespace {

inline int64_t wordsPerRow(int64_t k) { return (k + 63) / 64; }

// ---- packing ----

void packRowGeneric(int64_t k, const float* src, uint64_t* dst) {
  for (int64_t w = 0; w * 64 < k; w++) {
    const int64_t end = std::min<int64_t>(64, k - w * 64);
    uint64_t bits = 0;
    for (int64_t b = 0; b < end; b++) bits |= static_cast<uint64_t>(!(src[w * 64 + b] >= 0.0f)) << b;
    dst[w] = bits;
  }
}

__attribute__((target("avx512f"))) void packRowAvx512(int64_t k, const float* src, uint64_t* dst) {
  const __m512 zero = _mm512_setzero_ps();
  for (int64_t w = 0; w * 64 < k; w++) {
    uint64_t bits = 0;
    for (int q = 0; q < 4; q++) {
      const int64_t at = w * 64 + q * 16;
      if (at >= k) break;
      const int64_t left = k - at;
      // Lanes past the end load as 0.0f, which is >= 0 and so leaves its bit clear.
      const __mmask16 load = left >= 16 ? __mmask16(0xffff) : __mmask16((1u << left) - 1);
      const __m512 v = _mm512_maskz_loadu_ps(load, src + at);
      // "Not greater or equal, unordered": negative values and NaN get bit 1 (sign -1).
      const __mmask16 neg = _mm512_cmp_ps_mask(v, zero, _CMP_NGE_UQ);
      bits |= static_cast<uint64_t>(neg) << (16 * q);
    }
    dst[w] = bits;
  }
}

__attribute__((target("avx2"))) void packRowAvx2(int64_t k, const float* src, uint64_t* dst) {
  const __m256 zero = _mm256_setzero_ps();
  for (int64_t w = 0; w * 64 < k; w++) {
    uint64_t bits = 0;
    int64_t at = w * 64;
    const int64_t end = std::min<int64_t>(k, at + 64);
    for (; at + 8 <= end; at += 8) {
      // "Not greater or equal, unordered": negative values and NaN get bit 1 (sign -1).
      const __m256 neg = _mm256_cmp_ps(_mm256_loadu_ps(src + at), zero, _CMP_NGE_UQ);
      bits |= static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_ps(neg))) << (at - w * 64);
    }
    for (; at < end; at++) bits |= static_cast<uint64_t>(!(src[at] >= 0.0f)) << (at - w * 64);
    dst[w] = bits;
  }
}

// ---- products: generic and POPCNT paths (row-major packed B) ----

template <int R, int C>
inline void blockScalar(int64_t words, int64_t k, const uint64_t* a, const uint64_t* b, float* c, int64_t ldc) {
  int64_t acc[R][C] = {};
  for (int64_t w = 0; w < words; w++) {
    for (int r = 0; r < R; r++) {
      const uint64_t av = a[r * words + w];
      for (int j = 0; j < C; j++) acc[r][j] += __builtin_popcountll(av ^ b[j * words + w]);
    }
  }
  for (int r = 0; r < R; r++)
    for (int j = 0; j < C; j++) c[r * ldc + j] = static_cast<float>(k - 2 * acc[r][j]);
}

template <int R>
inline void rowsScalar(int64_t n, int64_t k, const uint64_t* a, const uint64_t* b, float* c) {
  const int64_t words = wordsPerRow(k);
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) blockScalar<R, 4>(words, k, a, b + j * words, c + j, n);
  for (; j < n; j++) blockScalar<R, 1>(words, k, a, b + j * words, c + j, n);
}

void productRowsGeneric(int64_t i0, int64_t i1, int64_t n, int64_t k, const uint64_t* a, const uint64_t* b,
                        float* c) {
  const int64_t words = wordsPerRow(k);
  int64_t i = i0;
  for (; i + 2 <= i1; i += 2) rowsScalar<2>(n, k, a + i * words, b, c + i * n);
  for (; i < i1; i++) rowsScalar<1>(n, k, a + i * words, b, c + i * n);
}

// The same source compiled for the POPCNT instruction (the generic build cannot assume it).
__attribute__((target("popcnt"))) void productRowsPopcnt(int64_t i0, int64_t i1, int64_t n, int64_t k,
                                                         const uint64_t* a, const uint64_t* b, float* c) {
  const int64_t words = wordsPerRow(k);
  for (int64_t i = i0; i < i1; i++) {
    const uint64_t* ar = a + i * words;
    int64_t j = 0;
    for (; j + 4 <= n; j += 4) {
      const uint64_t* b0 = b + j * words;
      int64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (int64_t w = 0; w < words; w++) {
        const uint64_t av = ar[w];
        s0 += __builtin_popcountll(av ^ b0[w]);
        s1 += __builtin_popcountll(av ^ b0[words + w]);
        s2 += __builtin_popcountll(av ^ b0[2 * words + w]);
        s3 += __builtin_popcountll(av ^ b0[3 * words + w]);
      }
      c[i * n + j] = static_cast<float>(k - 2 * s0);
      c[i * n + j + 1] = static_cast<float>(k - 2 * s1);
      c[i * n + j + 2] = static_cast<float>(k - 2 * s2);
      c[i * n + j + 3] = static_cast<float>(k - 2 * s3);
    }
    for (; j < n; j++) {
      int64_t s = 0;
      for (int64_t w = 0; w < words; w++) s += __builtin_popcountll(ar[w] ^ b[j * words + w]);
      c[i * n + j] = static_cast<float>(k - 2 * s);
    }
  }
}

// ---- product: AVX-512 VPOPCNTDQ path ----
// B is re-laid in panels of 8 rows, word-interleaved (panel[w][lane]), so one 512-bit load
// holds word w of 8 columns; a row's word is broadcast against it and the 8 lanes accumulate
// 8 outputs at once, with no horizontal sums. Blocks of 4 rows x 4 panels keep 16
// accumulators in registers.

constexpr int kPanel = 8;

void interleavePanels(int64_t n, int64_t words, const uint64_t* b, uint64_t* panels) {
  const int64_t count = (n + kPanel - 1) / kPanel;
  for (int64_t p = 0; p < count; p++) {
    uint64_t* dst = panels + p * words * kPanel;
    for (int64_t w = 0; w < words; w++) {
      for (int lane = 0; lane < kPanel; lane++) {
        const int64_t j = p * kPanel + lane;
        dst[w * kPanel + lane] = j < n ? b[j * words + w] : 0;
      }
    }
  }
}

template <int R, int P>
__attribute__((target("avx512f,avx512vpopcntdq"), always_inline)) inline void blockAvx512(
    int64_t words, int64_t k, const uint64_t* a, const uint64_t* panels, float* c, int64_t n, int64_t j0) {
  __m512i acc[R][P];
  for (int r = 0; r < R; r++)
    for (int p = 0; p < P; p++) acc[r][p] = _mm512_setzero_si512();
  for (int64_t w = 0; w < words; w++) {
    __m512i bv[P];
    for (int p = 0; p < P; p++) bv[p] = _mm512_loadu_si512(panels + (p * words + w) * kPanel);
    for (int r = 0; r < R; r++) {
      const __m512i av = _mm512_set1_epi64(static_cast<long long>(a[r * words + w]));
      for (int p = 0; p < P; p++)
        acc[r][p] = _mm512_add_epi64(acc[r][p], _mm512_popcnt_epi64(_mm512_xor_si512(av, bv[p])));
    }
  }
  for (int r = 0; r < R; r++) {
    for (int p = 0; p < P; p++) {
      alignas(64) int64_t counts[kPanel];
      _mm512_store_si512(counts, acc[r][p]);
      const int64_t j = j0 + p * kPanel;
      const int lanes = static_cast<int>(std::min<int64_t>(kPanel, n - j));
      for (int lane = 0; lane < lanes; lane++) c[r * n + j + lane] = static_cast<float>(k - 2 * counts[lane]);
    }
  }
}

template <int R>
__attribute__((target("avx512f,avx512vpopcntdq"))) void rowsAvx512(int64_t n, int64_t k, const uint64_t* a,
                                                                    const uint64_t* panels, float* c) {
  const int64_t words = wordsPerRow(k), count = (n + kPanel - 1) / kPanel;
  int64_t p = 0;
  for (; p + 4 <= count; p += 4)
    blockAvx512<R, 4>(words, k, a, panels + p * words * kPanel, c, n, p * kPanel);
  for (; p < count; p++) blockAvx512<R, 1>(words, k, a, panels + p * words * kPanel, c, n, p * kPanel);
}

__attribute__((target("avx512f,avx512vpopcntdq"))) void productRowsAvx512(int64_t i0, int64_t i1, int64_t n,
                                                                           int64_t k, const uint64_t* a,
                                                                           const uint64_t* panels, float* c) {
  const int64_t words = wordsPerRow(k);
  int64_t i = i0;
  for (; i + 4 <= i1; i += 4) rowsAvx512<4>(n, k, a + i * words, panels, c + i * n);
  for (; i < i1; i++) rowsAvx512<1>(n, k, a + i * words, panels, c + i * n);
}

// ---- product: AVX2 path (tables of two rows' nibbles) ----
// popcount(a XOR b) summed 4 bits at a time by table look-up, the table chosen by two rows' nibbles
// of A: table (a1, a2) holds popcount(a1 XOR x) + 16 popcount(a2 XOR x) for x = 0..15, so one
// vpshufb of it by 32 of B's nibbles (one byte each, 32 columns) adds the 4-bit products of two
// rows with 32 columns: 256 MACs per shuffle and no xor (the nibble-split method of Mula, Kurz &
// Lemire, arXiv 1611.07612, needs 2 shuffles and 4 more operations per 256; on Zen 3 the single-row
// form of this table ran at about one shuffle per cycle, its limit). B is re-laid once per call
// as nibble planes (plane s: nibble s of each column, 32 columns per vector, the panels of one
// plane adjacent); A as one byte per row pair and nibble (the table's number). Nibble e of a
// word is its bits 4e .. 4e + 3 in both operands. Padding nibbles are 0 in both operands and
// count 0; a missing second row of a pair is 0 and ignored. The convolution (binary_conv.cc)
// runs the same kernel with B's steps at listed offsets instead of one plane apart.
// Counting: a byte's two 4-bit fields gain at most 4 per step, so three steps are summed whole,
// then split into byte counters per row (at most 12 per 3 steps: 63 steps fit in a byte), which
// are widened into c (as exact float counts) after each run of 63 steps. Rows are processed in
// tiles, one run at a time for the whole tile, so a run's slice of B stays in L1.

constexpr int kLanes2 = 32;    // columns per vector
// Block shape measured on an AMD EPYC (Zen 3), 1024x1024 x 1024x128: 1 pair x 4 panels 327 us,
// 1 x 2 328, 2 x 2 348, 3 x 1 365, 2 x 1 397 (the per-nibble single-row tables: 403-460).
constexpr int kPairs2 = 1;     // row pairs per block
constexpr int kPanels2 = 4;    // vectors of columns per block
constexpr int64_t kRun2 = 63;  // nibble steps per byte-counter run: 21 groups of 3 steps, 21 * 12 <= 255
constexpr int64_t kTile2 = 32; // row pairs per tile
constexpr int64_t kMinRowsAvx2 = 32;  // fewer rows of A take the POPCNT path (binaryGemmPacked)

// table[16 * (a1 | a2 << 4) + x] = popcount(a1 ^ x) | popcount(a2 ^ x) << 4.
const uint8_t* pairTables() {
  alignas(16) static uint8_t table[256 * 16];
  static const bool filled = [] {
    for (int t = 0; t < 256; t++)
      for (int x = 0; x < 16; x++)
        table[16 * t + x] =
            static_cast<uint8_t>(__builtin_popcount((t & 15) ^ x) | __builtin_popcount((t >> 4) ^ x) << 4);
    return true;
  }();
  (void)filled;
  return table;
}

// planes[s][p][lane] = nibble s of column 32 p + lane (0 past n): plane s is one row of bytes,
// filled from one 32-bit half of every column's word at a time.
void nibblePlanes(int64_t n, int64_t words, const uint64_t* b, uint8_t* planes) {
  const int64_t stride = (n + kLanes2 - 1) / kLanes2 * kLanes2;
  std::vector<uint32_t> column(static_cast<size_t>(n));
  for (int64_t w = 0; w < words; w++)
    for (int half = 0; half < 2; half++) {
      for (int64_t j = 0; j < n; j++) column[j] = static_cast<uint32_t>(b[j * words + w] >> 32 * half);
      uint8_t* rows = planes + (16 * w + 8 * half) * stride;
      nibbleRows(column.data(), n, rows, stride);
      for (int r = 0; r < 8; r++) std::memset(rows + r * stride + n, 0, static_cast<size_t>(stride - n));
    }
}

// c[0..lanes) = (add ? c : 0) + the byte counters of `acc` (exact: counts below 2^24).
__attribute__((target("avx2"), always_inline)) inline void widen(__m256i acc, bool add, int lanes, float* c) {
  alignas(32) float counts[kLanes2];
  const __m128i halves[2] = {_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1)};
  for (int q = 0; q < 4; q++) {
    const __m128i bytes = q % 2 == 0 ? halves[q / 2] : _mm_srli_si128(halves[q / 2], 8);
    _mm256_store_ps(counts + 8 * q, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes)));
  }
  if (lanes == kLanes2) {
    for (int q = 0; q < 4; q++) {
      const __m256 v = _mm256_load_ps(counts + 8 * q);
      _mm256_storeu_ps(c + 8 * q, add ? _mm256_add_ps(_mm256_loadu_ps(c + 8 * q), v) : v);
    }
  } else {
    for (int lane = 0; lane < lanes; lane++) c[lane] = (add ? c[lane] : 0.0f) + counts[lane];
  }
}

// One step: sum[q][v] += table(pair q's nibbles) looked up by panel v's nibbles.
template <int Q, int V>
__attribute__((target("avx2"), always_inline)) inline void stepAvx2(__m256i (&sum)[Q][V], const uint8_t* bp,
                                                                    const uint8_t* tables, const uint8_t* idx,
                                                                    int64_t steps) {
  __m256i bv[V];
  for (int v = 0; v < V; v++) bv[v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bp + v * kLanes2));
  for (int q = 0; q < Q; q++) {
    const __m256i table =
        _mm256_broadcastsi128_si256(_mm_load_si128(reinterpret_cast<const __m128i*>(tables + 16 * idx[q * steps])));
    for (int v = 0; v < V; v++) sum[q][v] = _mm256_add_epi8(sum[q][v], _mm256_shuffle_epi8(table, bv[v]));
  }
}

// The first rows' field of each sum byte into lo, the second rows' into hi; sum cleared.
template <int Q, int V>
__attribute__((target("avx2"), always_inline)) inline void splitAvx2(__m256i (&sum)[Q][V], __m256i (&lo)[Q][V],
                                                                     __m256i (&hi)[Q][V]) {
  const __m256i nibble = _mm256_set1_epi8(15);
  for (int q = 0; q < Q; q++)
    for (int v = 0; v < V; v++) {
      lo[q][v] = _mm256_add_epi8(lo[q][v], _mm256_and_si256(sum[q][v], nibble));
      hi[q][v] = _mm256_add_epi8(hi[q][v], _mm256_and_si256(_mm256_srli_epi16(sum[q][v], 4), nibble));
      sum[q][v] = _mm256_setzero_si256();
    }
}

// Where step g's bytes of B begin, relative to a block's first panel: a dense product's steps lie
// one plane (`stride` bytes) apart; a convolution lists them (binaryTableCountsAvx2).
struct StridedSteps {
  int64_t stride;
  int64_t operator[](int64_t g) const { return g * stride; }
};
struct ListedSteps {
  const int64_t* offsets;
  int64_t operator[](int64_t g) const { return offsets[g]; }
};

// Steps [s0, s1) of Q row pairs x panels [p0, p0 + V) into c's counts (set when s0 = 0, else
// added); `rows` is how many of the 2 Q rows exist.
template <int Q, int V, typename Steps>
__attribute__((target("avx2"), always_inline)) inline void blockAvx2(int64_t s0, int64_t s1, int64_t steps,
                                                                     const uint8_t* idx, const uint8_t* planes,
                                                                     const Steps& at, int64_t p0, float* c,
                                                                     int64_t n, int rows) {
  const uint8_t* tables = pairTables();
  const uint8_t* bp = planes + p0 * kLanes2;
  __m256i lo[Q][V], hi[Q][V];
  for (int q = 0; q < Q; q++)
    for (int v = 0; v < V; v++) lo[q][v] = hi[q][v] = _mm256_setzero_si256();
  __m256i sum[Q][V];
  for (int q = 0; q < Q; q++)
    for (int v = 0; v < V; v++) sum[q][v] = _mm256_setzero_si256();
  int64_t g = s0;
  for (; g + 3 <= s1; g += 3) {
    for (int t = 0; t < 3; t++) stepAvx2<Q, V>(sum, bp + at[g + t], tables, idx + g + t, steps);
    splitAvx2<Q, V>(sum, lo, hi);
  }
  for (; g < s1; g++) stepAvx2<Q, V>(sum, bp + at[g], tables, idx + g, steps);
  splitAvx2<Q, V>(sum, lo, hi);
  for (int q = 0; q < Q; q++)
    for (int v = 0; v < V; v++) {
      const int64_t j = (p0 + v) * kLanes2;
      const int lanes = static_cast<int>(std::min<int64_t>(kLanes2, n - j));
      widen(lo[q][v], s0 > 0, lanes, c + 2 * q * n + j);
      if (2 * q + 1 < rows) widen(hi[q][v], s0 > 0, lanes, c + (2 * q + 1) * n + j);
    }
}

template <int Q, typename Steps>
__attribute__((target("avx2"))) void pairsAvx2(int64_t s0, int64_t s1, int64_t steps, int64_t n, const uint8_t* idx,
                                               const uint8_t* planes, const Steps& at, float* c, int rows) {
  const int64_t panels = (n + kLanes2 - 1) / kLanes2;
  int64_t p = 0;
  for (; p + kPanels2 <= panels; p += kPanels2)
    blockAvx2<Q, kPanels2>(s0, s1, steps, idx, planes, at, p, c, n, rows);
  for (; p + 2 <= panels; p += 2) blockAvx2<Q, 2>(s0, s1, steps, idx, planes, at, p, c, n, rows);
  for (; p < panels; p++) blockAvx2<Q, 1>(s0, s1, steps, idx, planes, at, p, c, n, rows);
}

// Row pairs [q0, q1) (rows 2 q0 .. min(m, 2 q1)) over `steps` nibble steps: c = the counts,
// handed to finish(c, count) one tile of rows at a time while they are in cache.
template <typename Steps, typename Finish>
__attribute__((target("avx2"))) void productPairsAvx2(int64_t q0, int64_t q1, int64_t m, int64_t n, int64_t steps,
                                                      const uint8_t* idx, const uint8_t* planes, const Steps& at,
                                                      float* c, const Finish& finish) {
  for (int64_t t0 = q0; t0 < q1; t0 += kTile2) {
    const int64_t t1 = std::min(q1, t0 + kTile2);
    for (int64_t s0 = 0; s0 < steps; s0 += kRun2) {
      const int64_t s1 = std::min(steps, s0 + kRun2);
      int64_t q = t0;
      for (; q + kPairs2 <= t1; q += kPairs2) {
        const int rows = static_cast<int>(std::min<int64_t>(2 * kPairs2, m - 2 * q));
        pairsAvx2<kPairs2>(s0, s1, steps, n, idx + q * steps, planes, at, c + 2 * q * n, rows);
      }
      for (; q < t1; q++) {
        const int rows = static_cast<int>(std::min<int64_t>(2, m - 2 * q));
        pairsAvx2<1>(s0, s1, steps, n, idx + q * steps, planes, at, c + 2 * q * n, rows);
      }
    }
    finish(c + 2 * t0 * n, (std::min(m, 2 * t1) - 2 * t0) * n);
  }
}

// ---- dispatch ----

using Path = BinaryPath;

Path detectPath() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq")) return Path::Avx512;
  if (__builtin_cpu_supports("avx2")) return Path::Avx2;
  if (__builtin_cpu_supports("popcnt")) return Path::Popcnt;
  return Path::Generic;
}

// Whether this CPU can run `path` (each path's instructions imply those of the ones below it).
bool supported(Path path) { return static_cast<int>(path) <= static_cast<int>(detectPath()); }

Path& currentPath() {
  static Path path = detectPath();
  return path;
}

void packRows(int64_t rows, int64_t k, const float* src, uint64_t* dst) {
  const int64_t words = wordsPerRow(k);
  const Path path = currentPath();
  parallelFor(rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, k)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      if (path == Path::Avx512)
        packRowAvx512(k, src + r * k, dst + r * words);
      else if (path == Path::Avx2)
        packRowAvx2(k, src + r * k, dst + r * words);
      else
        packRowGeneric(k, src + r * k, dst + r * words);
    }
  });
}

}  // namespace

BinaryPath currentBinaryPath() { return currentPath(); }

const char* binaryPath() {
  switch (currentPath()) {
    case Path::Avx512:
      return "avx512-vpopcntdq";
    case Path::Avx2:
      return "avx2";
    case Path::Popcnt:
      return "popcnt";
    default:
      return "generic";
  }
}

bool setBinaryPath(const char* name) {
  Path wanted;
  if (std::strcmp(name, "generic") == 0)
    wanted = Path::Generic;
  else if (std::strcmp(name, "popcnt") == 0)
    wanted = Path::Popcnt;
  else if (std::strcmp(name, "avx2") == 0)
    wanted = Path::Avx2;
  else if (std::strcmp(name, "avx512-vpopcntdq") == 0)
    wanted = Path::Avx512;
  else
    return false;
  if (!supported(wanted)) return false;
  currentPath() = wanted;
  return true;
}

void packSigns(int64_t rows, int64_t k, const float* src, uint64_t* dst) { packRows(rows, k, src, dst); }

void binaryGemmPacked(int64_t m, int64_t n, int64_t k, const uint64_t* a, const uint64_t* b, float* c) {
  if (m == 0 || n == 0) return;
  const int64_t words = wordsPerRow(k);
  // Enough rows per chunk for the pool's hand-off to be cheap against the work.
  const int64_t grain = std::max<int64_t>(4, 65536 / std::max<int64_t>(1, n * words));
  // The AVX2 path sums counts in float: exact below 2^24 (longer rows take POPCNT, which AVX2
  // implies), and re-lays all of B first, which costs about what 16 to 32 rows of its product
  // take by POPCNT (bcnn's 512x3136 classifier, docs/performance.md).
  const bool avx2Pays = k < (int64_t{1} << 24) && m >= kMinRowsAvx2;
  const Path path = currentPath() == Path::Avx2 && !avx2Pays ? Path::Popcnt : currentPath();
  switch (path) {
    case Path::Avx512: {
      uint64_t* panels = scratchAs<uint64_t>(3, ((n + kPanel - 1) / kPanel) * kPanel * words);
      interleavePanels(n, words, b, panels);
      parallelFor((m + 3) / 4, grain / 4 + 1, [&](int64_t q0, int64_t q1) {
        productRowsAvx512(q0 * 4, std::min(m, q1 * 4), n, k, a, panels, c);
      });
      break;
    }
    case Path::Avx2: {
      const int64_t panels = (n + kLanes2 - 1) / kLanes2, pairs = (m + 1) / 2;
      uint8_t* planes = scratchAs<uint8_t>(3, 16 * words * panels * kLanes2);
      uint8_t* idx = scratchAs<uint8_t>(0, 16 * pairs * words);
      nibblePlanes(n, words, b, planes);
      nibblePairIndices(m, 2 * words, reinterpret_cast<const uint32_t*>(a), idx);
      const StridedSteps at{panels * kLanes2};
      const auto dot = [k](float* counts, int64_t count) {
        for (int64_t e = 0; e < count; e++) counts[e] = static_cast<float>(k) - 2.0f * counts[e];
      };
      parallelFor(pairs, grain / 2 + 1, [&](int64_t q0, int64_t q1) {
        productPairsAvx2(q0, q1, m, n, 16 * words, idx, planes, at, c, dot);
      });
      break;
    }
    case Path::Popcnt:
      parallelFor(m, grain, [&](int64_t i0, int64_t i1) { productRowsPopcnt(i0, i1, n, k, a, b, c); });
      break;
    default:
      parallelFor(m, grain, [&](int64_t i0, int64_t i1) { productRowsGeneric(i0, i1, n, k, a, b, c); });
  }
}

__attribute__((target("avx2"))) void nibbleRows(const uint32_t* src, int64_t count, uint8_t* dst, int64_t stride) {
  // Within each 128-bit lane, byte b of its 4 words to dword b; then dwords to 8-byte groups by b.
  const __m256i gather = _mm256_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,  //
                                          0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  const __m256i nibble = _mm256_set1_epi8(15);
  int64_t i = 0;
  for (; i + 8 <= count; i += 8) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
    const __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(v, gather), order);
    alignas(32) uint64_t lo[4], hi[4];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lo), _mm256_and_si256(bytes, nibble));
    _mm256_store_si256(reinterpret_cast<__m256i*>(hi), _mm256_and_si256(_mm256_srli_epi16(bytes, 4), nibble));
    for (int b = 0; b < 4; b++) {
      std::memcpy(dst + 2 * b * stride + i, &lo[b], 8);
      std::memcpy(dst + (2 * b + 1) * stride + i, &hi[b], 8);
    }
  }
  for (; i < count; i++)
    for (int r = 0; r < 8; r++) dst[r * stride + i] = static_cast<uint8_t>(src[i] >> 4 * r & 15u);
}

void nibblePairIndices(int64_t rows, int64_t words, const uint32_t* a, uint8_t* idx) {
  const uint32_t low = 0x0f0f0f0fu;
  for (int64_t pair = 0; pair < (rows + 1) / 2; pair++) {
    const uint32_t* r1 = a + 2 * pair * words;
    const bool second = 2 * pair + 1 < rows;
    for (int64_t w = 0; w < words; w++) {
      const uint32_t v1 = r1[w], v2 = second ? r1[words + w] : 0;
      // Byte k's low nibble is nibble 2k, its high one nibble 2k + 1: interleave the two.
      const uint32_t even = (v1 & low) | (v2 & low) << 4, odd = (v1 >> 4 & low) | (v2 >> 4 & low) << 4;
      const __m128i bytes = _mm_unpacklo_epi8(_mm_cvtsi32_si128(static_cast<int>(even)),
                                              _mm_cvtsi32_si128(static_cast<int>(odd)));
      _mm_storel_epi64(reinterpret_cast<__m128i*>(idx + pair * 8 * words + 8 * w), bytes);
    }
  }
}

void binaryTableCountsAvx2(int64_t m, int64_t n, int64_t steps, const uint8_t* idx, const uint8_t* planes,
                           const int64_t* offsets, float* c) {
  productPairsAvx2(0, (m + 1) / 2, m, n, steps, idx, planes, ListedSteps{offsets}, c, [](float*, int64_t) {});
}

void binaryGemm(int64_t m, int64_t n, int64_t k, const float* a, const float* b, float* c) {
  if (m == 0 || n == 0) return;
  const int64_t words = wordsPerRow(k);
  uint64_t* ap = scratchAs<uint64_t>(2, m * words);
  uint64_t* bp = scratchAs<uint64_t>(1, n * words);
  packRows(m, k, a, ap);
  packRows(n, k, b, bp);
  binaryGemmPacked(m, n, k, ap, bp, c);
}

}  // namespace bamsprod
