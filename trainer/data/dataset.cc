#include "data/dataset.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace slipway {

void compute_feature_stats(const Split& split, std::vector<float>& mean,
                           std::vector<float>& stddev) {
    const size_t features = split.features;
    mean.assign(features, 0.0f);
    stddev.assign(features, 0.0f);
    if (split.rows == 0 || features == 0) return;
    // Two passes in double: one pass with sum of squares loses the variance of features
    // with a large mean to cancellation.
    std::vector<double> sum(features, 0.0);
    for (size_t r = 0; r < split.rows; ++r) {
        const float* row = split.x.data() + r * features;
        for (size_t f = 0; f < features; ++f) sum[f] += row[f];
    }
    const auto rows = static_cast<double>(split.rows);
    for (size_t f = 0; f < features; ++f) sum[f] /= rows;
    std::vector<double> squares(features, 0.0);
    for (size_t r = 0; r < split.rows; ++r) {
        const float* row = split.x.data() + r * features;
        for (size_t f = 0; f < features; ++f) {
            const double d = row[f] - sum[f];
            squares[f] += d * d;
        }
    }
    for (size_t f = 0; f < features; ++f) {
        mean[f] = static_cast<float>(sum[f]);
        stddev[f] = static_cast<float>(std::sqrt(squares[f] / rows));
    }
}

void standardize(Split& split, const std::vector<float>& mean, const std::vector<float>& stddev) {
    const size_t features = split.features;
    if (mean.size() != features || stddev.size() != features) {
        throw std::invalid_argument("standardize: mean/std have " + std::to_string(mean.size()) +
                                    "/" + std::to_string(stddev.size()) + " entries for " +
                                    std::to_string(features) + " features");
    }
    std::vector<float> scale(features);
    for (size_t f = 0; f < features; ++f) scale[f] = stddev[f] < 1e-6f ? 1.0f : 1.0f / stddev[f];
    for (size_t r = 0; r < split.rows; ++r) {
        float* row = split.x.data() + r * features;
        for (size_t f = 0; f < features; ++f) row[f] = (row[f] - mean[f]) * scale[f];
    }
}

}  // namespace slipway
