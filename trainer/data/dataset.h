#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace slipway {

// One split (/train or /test) of a dataset, held in memory, rows contiguous.
struct Split {
    std::vector<float> x;         // rows x features, row-major
    std::vector<int32_t> labels;  // rows, for classification (num_classes > 0)
    std::vector<float> targets;   // rows x target_width, for regression (num_classes == 0)
    size_t rows = 0;
    size_t features = 0;
    size_t target_width = 0;  // 0 for classification; 1 for float32 [N]; T for [N, T]
};

// The DESIGN.md HDF5 layout in memory.
struct Dataset {
    Split train;
    Split test;
    int num_classes = 0;                   // 0 means regression
    std::vector<std::string> class_names;  // optional, num_classes entries when present
    std::vector<float> feature_mean;       // per feature, over /train
    std::vector<float> feature_std;        // per feature, over /train (population std)

    bool is_classification() const { return num_classes > 0; }
};

// Per-feature mean and population standard deviation over split.x.
void compute_feature_stats(const Split& split, std::vector<float>& mean,
                           std::vector<float>& stddev);

// x = (x - mean) / stddev per feature, in place; a stddev below 1e-6 (a constant feature), or
// one that is NaN or infinite, counts as 1 so such features are only centred, never blown up
// or turned into NaN. Throws std::invalid_argument when mean/stddev are not sized by the
// features or a mean is not finite.
void standardize(Split& split, const std::vector<float>& mean, const std::vector<float>& stddev);

}  // namespace slipway
