// Fused optimizer updates of one parameter tensor (spec: shared/spec/bamsprod.md). They take
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

struct BamsprodScalars {
  AdamScalars adam;
  double gammaT;  // gamma * t
  double lam;
};

struct BamsprodStats {
  double quantError, target, lower, upper;
};

// One BAMSProd step: pass 1 updates v and vmax (lines 3-4), summing vmax and, for a binary
// tensor, |x*decay|; a binary tensor's quantization error then reads x once more (the
// deviations from mean |x|, line 6); pass 2 updates m and x (lines 1-2, 5, 9-11). Of the
// splits of this work into two passes, this one moves the fewest bytes (measured fastest when
// memory-bound, as on a busy 2-core machine). Allocates nothing once the per-thread block sums
// have grown to the largest tensor.
BamsprodStats bamsprodUpdate(float* x, const float* g, float* m, float* v, float* vmax, int64_t n, bool binary,
                             const BamsprodScalars& s, double clip);

// The gradient check of a step: how many entries are NaN, infinite or beyond +-limit
// (src/optim/params.ts uses limit 1e19). Read-only.
int64_t countBadGradients(const float* g, int64_t n, double limit);

}  // namespace bamsprod
