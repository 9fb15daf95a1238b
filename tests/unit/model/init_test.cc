#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "model/init.h"

namespace slipway {
namespace {

MlpConfig reference_net(InitScheme init) {
    MlpConfig config;
    config.inputs = 784;
    config.hidden = {256};
    config.outputs = 10;
    config.init = init;
    return config;
}

struct Moments {
    double mean = 0;
    double stddev = 0;
};

Moments moments(const float* v, size_t n) {
    double sum = 0;
    double sq = 0;
    for (size_t i = 0; i < n; ++i) {
        sum += v[i];
        sq += static_cast<double>(v[i]) * v[i];
    }
    const double mean = sum / n;
    return {mean, std::sqrt(sq / n - mean * mean)};
}

TEST(Init, HeNormalStatistics) {
    const MlpConfig config = reference_net(InitScheme::kHe);
    std::vector<float> params(parameter_count(config));
    init_mlp_parameters(config, 42, params);
    const auto layout = parameter_layout(config);
    const Moments first = moments(params.data(), 784 * 256);
    const double want = std::sqrt(2.0 / 784);
    EXPECT_NEAR(first.stddev, want, 0.02 * want);
    EXPECT_NEAR(first.mean, 0.0, 0.01 * want);
    // The 10 x 256 output layer: fewer samples, looser bound.
    const Moments last = moments(params.data() + layout[1].weight_offset, 256 * 10);
    EXPECT_NEAR(last.stddev, std::sqrt(2.0 / 256), 0.06 * std::sqrt(2.0 / 256));
    for (const LayerSlot& slot : layout) {
        for (int i = 0; i < slot.out; ++i) EXPECT_EQ(params[slot.bias_offset + i], 0.0f);
    }
    // Tails of a normal: about 0.27% of values beyond 3 sigma.
    size_t beyond = 0;
    for (size_t i = 0; i < 784 * 256; ++i) beyond += std::abs(params[i]) > 3 * want;
    EXPECT_NEAR(static_cast<double>(beyond) / (784 * 256), 0.0027, 0.0008);
}

TEST(Init, XavierNormalStatistics) {
    const MlpConfig config = reference_net(InitScheme::kXavier);
    std::vector<float> params(parameter_count(config));
    init_mlp_parameters(config, 7, params);
    const double want = std::sqrt(2.0 / (784 + 256));
    EXPECT_NEAR(moments(params.data(), 784 * 256).stddev, want, 0.02 * want);
}

TEST(Init, DeterministicPerSeed) {
    const MlpConfig config = reference_net(InitScheme::kHe);
    std::vector<float> a(parameter_count(config));
    std::vector<float> b(a.size());
    std::vector<float> c(a.size());
    init_mlp_parameters(config, 1, a);
    init_mlp_parameters(config, 1, b);
    init_mlp_parameters(config, 2, c);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
}

TEST(Init, RejectsWrongSize) {
    const MlpConfig config = reference_net(InitScheme::kHe);
    std::vector<float> params(parameter_count(config) - 1);
    EXPECT_THROW(init_mlp_parameters(config, 1, params), std::invalid_argument);
}

}  // namespace
}  // namespace slipway
