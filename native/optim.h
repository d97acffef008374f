// Fused optimizer updates of one parameter tensor (definition: docs/algorithm.md). They take
// the per-step scalars the TypeScript optimizers compute (src/optim: decay, stepSize = lr/bc1,
// invBc2 = 1/bc2, ...) and repeat their arithmetic operation for operation (double precision,
// rounded to float32 where a value is stored), so Adam, AMSGrad and BAMSProd give bit-identical
// results. BAMSProd's float64 sums use the order the TypeScript loops use too (src/optim/sums.ts):
// the tensor is cut into blocks of kOptimSumBlock elements; in a block, element i adds into lane
// i % kOptimSumLanes, and the eight lanes are combined as ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7));
// the block sums are then added in block order. The order is independent of the thread count
// (blocks are the unit of parallel work) and lets the compiler keep the lanes in one vector.
#pragma once

#include <cstdint>

namespace bamsprod {

constexpr int64_t kOptimSumBlock = 4096;
constexpr int kOptimSumLanes = 8;

struct AdamScalars {
  double decay;     // 1 - lr * weightDecay
  double beta1, beta2;
  double stepSize;  // lr / (1 - beta1^t)
  double invBc2;    // 1 / (1 - beta2^t)
  double eps;
};

// Adam (vmax == nullptr) or AMSGrad (vmax updated and used in the denominator); `clip` bounds
// the result to [-clip, clip] (pass +infinity for none).
void adamUpdate(float* x, const float* g, float* m, float* v, float* vmax, int64_t n, const AdamScalars& s,
                double clip);

// BAMSProd's two passes over a tensor (the TypeScript computes lines 5-8 between them). Phase 1
// of a step, read-only: bamsprodInspect runs the gradient check (entries NaN, infinite or beyond
// +-limit) fused with lines 3-4 computed but not stored, summing the new vmax, and for a binary
// tensor (x given; nullptr for a real one) sums |x*decay| and, around `pivot`, a guess of
// a = mean(|x*decay|), the deviations ||x*decay| - pivot| of line 6. When the guess is exactly
// a, that sum is line 6's; otherwise bamsprodDeviation reads x once more with a. Phase 2:
// bamsprodApply runs lines 1-5 and 9-11 (AMSGrad's update with vmax/bc2 projected into
// [lower, upper]), and for a binary tensor returns sum(|x|) of the new x: the next step's guess
// (exact when x is not changed in between and there is no weight decay). Per step that is
// 4 arrays read, then 5 read and 4 written. Nothing is allocated once the per-thread block sums
// have grown to the largest tensor.
struct BamsprodSums {
  int64_t bad;
  double vmax, abs, deviation;
};

BamsprodSums bamsprodInspect(const float* x, const float* g, const float* v, const float* vmax, int64_t n,
                             const AdamScalars& s, double limit, double pivot);

double bamsprodDeviation(const float* x, int64_t n, const AdamScalars& s, double a);

double bamsprodApply(float* x, const float* g, float* m, float* v, float* vmax, int64_t n, bool binary,
                     const AdamScalars& s, double lower, double upper, double clip);

// The gradient check of a step: how many entries are NaN, infinite or beyond +-limit
// (src/optim/params.ts uses limit 1e19). Read-only.
int64_t countBadGradients(const float* g, int64_t n, double limit);

// The vector loops these run ("avx512", "avx2" or "scalar"; BAMSPROD_OPTIM_PATH forces a lower one).
const char* optimPath();

}  // namespace bamsprod
