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
    // Defensive (read_dataset_file already rejects such files): a NaN in mean or std would
    // turn a whole feature into NaN. A std that is not a finite number >= 1e-6 counts as 1, as a
    // constant feature's does (written so that NaN takes this branch); a mean that is not
    // finite cannot be centred on and is refused.
    std::vector<double> scale(features);
    for (size_t f = 0; f < features; ++f) {
        if (!std::isfinite(mean[f])) {
            throw std::invalid_argument("standardize: feature " + std::to_string(f) +
                                        " has a mean that is not finite");
        }
        const bool usable = std::isfinite(stddev[f]) && stddev[f] >= 1e-6f;
        scale[f] = usable ? 1.0 / stddev[f] : 1.0;
    }
    // In double: x - mean of two large finite floats may overflow float.
    for (size_t r = 0; r < split.rows; ++r) {
        float* row = split.x.data() + r * features;
        for (size_t f = 0; f < features; ++f) {
            row[f] = static_cast<float>((static_cast<double>(row[f]) - mean[f]) * scale[f]);
        }
    }
}

}  // namespace slipway
