// Fused optimizer updates of one parameter tensor (spec: shared/spec/bamsprod.md). They take
// the per-step scalars the TypeScript optimizers compute (src/optim: decay, stepSize = lr/bc1,
// invBc2 = 1/bc2, ...) and repeat their arithmetic operation for operation (double precision,
// rounded to float32 where a value is stored), so Adam and AMSGrad give bit-identical results.
// BAMSProd's float64 sums run in fixed blocks of 4096 added in order: deterministic and
// independent of the thread count, but not in the TypeScript loop's order.
#pragma once

#include <cstdint>

namespace bamsprod {

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

// One BAMSProd step: pass 1 updates m, v, vmax and sums |x*decay| and vmax; a binary tensor's
// quantization error reads x once more; pass 2 decays x, projects vmax/bc2 into
// [lower, upper], updates and clips x.
BamsprodStats bamsprodUpdate(float* x, const float* g, float* m, float* v, float* vmax, int64_t n, bool binary,
                             const BamsprodScalars& s, double clip);

}  // namespace bamsprod
