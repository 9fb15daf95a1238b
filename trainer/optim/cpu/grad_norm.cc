#include "optim/cpu/grad_norm.h"

namespace slipway::cpu {

double sum_of_squares(const float* values, size_t count) {
    // Eight independent sums: a single accumulator would serialize on the add latency, and
    // without -ffast-math the compiler may not reorder the additions itself.
    constexpr size_t kLanes = 8;
    double lanes[kLanes] = {};
    size_t i = 0;
    for (; i + kLanes <= count; i += kLanes) {
        for (size_t k = 0; k < kLanes; ++k) {
            const double v = values[i + k];
            lanes[k] += v * v;
        }
    }
    double sum = 0;
    for (; i < count; ++i) sum += static_cast<double>(values[i]) * values[i];
    for (double lane : lanes) sum += lane;
    return sum;
}

double global_norm(const float* values, size_t count) {
    double sum = 0;
    for (size_t first = 0; first < count; first += kNormBlock) {
        sum += sum_of_squares(values + first, std::min(kNormBlock, count - first));
    }
    return std::sqrt(sum);
}

void clip_to_norm(float* values, size_t count, double norm, double max_norm) {
    const double coefficient = max_norm / (norm + 1e-6);
    if (!(coefficient < 1.0)) return;
    const float scale = static_cast<float>(coefficient);
    for (size_t i = 0; i < count; ++i) values[i] *= scale;
}

}  // namespace slipway::cpu
