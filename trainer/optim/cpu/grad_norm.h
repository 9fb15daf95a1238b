#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace slipway::cpu {

// Gradients are visited in blocks this long (16 KiB): the norm of a block is taken while the
// update of the same block will find it in L1, saving one pass over memory per step.
inline constexpr size_t kNormBlock = 4096;

// Sum of squares of `count` floats, accumulated in double.
double sum_of_squares(const float* values, size_t count);

// L2 norm of `count` floats, accumulated in double block by block (the same order as
// clip_then_update, so both report bit-identical norms).
double global_norm(const float* values, size_t count);

// PyTorch's clip_grad_norm_: scales `values` by max_norm / (norm + 1e-6) when that is below 1.
void clip_to_norm(float* values, size_t count, double norm, double max_norm);

// The shared skeleton of an optimizer step: clips `gradients` when max_norm > 0, calls
// update(first, count) over all of them, and returns the global norm before clipping.
template <class Update>
double clip_then_update(float* gradients, size_t count, double max_norm, Update&& update) {
    if (max_norm > 0) {
        const double norm = global_norm(gradients, count);
        clip_to_norm(gradients, count, norm, max_norm);
        update(size_t{0}, count);
        return norm;
    }
    double sum = 0;
    for (size_t first = 0; first < count; first += kNormBlock) {
        const size_t block = std::min(kNormBlock, count - first);
        sum += sum_of_squares(gradients + first, block);
        update(first, block);
    }
    return std::sqrt(sum);
}

}  // namespace slipway::cpu
