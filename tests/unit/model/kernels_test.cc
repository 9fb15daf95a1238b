// The elementwise kernels: gelu against its formula, and the dropout mask as a pure function.

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "model/cpu/kernels.h"
#include "model/dropout.h"

namespace slipway {
namespace {

TEST(Gelu, MatchesTheTanhFormula) {
    for (double x : {-3.0, -1.0, -0.5, 0.0, 0.3, 1.0, 2.5}) {
        const double k = std::sqrt(2.0 / M_PI);
        const double want = 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
        EXPECT_NEAR(cpu::gelu(static_cast<float>(x)), want, 1e-6) << x;
        // The derivative against central differences of the same formula.
        const double h = 1e-5;
        auto g = [&](double v) {
            return 0.5 * v * (1.0 + std::tanh(k * (v + 0.044715 * v * v * v)));
        };
        EXPECT_NEAR(cpu::gelu_derivative(static_cast<float>(x)), (g(x + h) - g(x - h)) / (2 * h),
                    1e-5)
            << x;
    }
    EXPECT_NEAR(cpu::gelu(1.0f), 0.841192f, 1e-5);  // PyTorch gelu(1, approximate="tanh")
}

// Runs the forward kernel on all-ones pre-activations (relu keeps them at 1), so each output
// is the mask value itself: scale when kept, 0 when dropped.
std::vector<float> mask_of(const std::vector<uint32_t>& ids, int units, double p,
                           uint64_t seed, uint64_t epoch, uint64_t layer) {
    std::vector<float> z(ids.size() * units, 1.0f);
    std::vector<float> bias(units, 0.0f);
    cpu::DropoutPlan plan{ids.data(), seed, epoch, layer, dropout_threshold(p),
                          static_cast<float>(1.0 / (1.0 - p))};
    cpu::bias_activation_forward(z.data(), nullptr, ids.size(), units, bias.data(),
                                 Activation::kRelu, plan);
    return z;
}

TEST(Dropout, KernelFollowsThePureMaskFunction) {
    const std::vector<uint32_t> ids = {7, 123456, 0, 42};
    const int units = 37;  // not a multiple of four
    const auto z = mask_of(ids, units, 0.3, 5, 2, 1);
    const uint32_t threshold = dropout_threshold(0.3);
    for (size_t r = 0; r < ids.size(); ++r) {
        const uint64_t key = dropout_row_key(5, 2, ids[r], 1);
        for (int u = 0; u < units; ++u) {
            const float want = dropout_keep(key, u, threshold) ? 1.0f / 0.7f : 0.0f;
            EXPECT_FLOAT_EQ(z[r * units + u], want);
        }
    }
}

TEST(Dropout, SameSampleSameMaskAnywhereInTheBatch) {
    const auto alone = mask_of({77}, 64, 0.5, 1, 1, 0);
    const auto inside = mask_of({3, 77, 9}, 64, 0.5, 1, 1, 0);
    EXPECT_EQ(std::vector<float>(inside.begin() + 64, inside.begin() + 128), alone);
    // Layer, epoch and seed all change it.
    EXPECT_NE(mask_of({77}, 64, 0.5, 1, 1, 1), alone);
    EXPECT_NE(mask_of({77}, 64, 0.5, 1, 2, 0), alone);
    EXPECT_NE(mask_of({77}, 64, 0.5, 2, 1, 0), alone);
}

TEST(Dropout, RateIsRoughlyP) {
    std::vector<uint32_t> ids(2000);
    for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<uint32_t>(i);
    for (double p : {0.1, 0.5, 0.8}) {
        const auto z = mask_of(ids, 256, p, 42, 0, 0);
        double dropped = 0;
        double mean = 0;
        for (float v : z) {
            dropped += v == 0.0f;
            mean += v;
        }
        EXPECT_NEAR(dropped / z.size(), p, 0.005) << p;
        EXPECT_NEAR(mean / z.size(), 1.0, 0.02) << p;  // inverted dropout keeps the mean
    }
}

TEST(Dropout, ThresholdResolution) {
    EXPECT_EQ(dropout_threshold(0.0), 0u);
    EXPECT_EQ(dropout_threshold(0.5), 32768u);
    EXPECT_EQ(dropout_threshold(0.1), 6554u);
}

}  // namespace
}  // namespace slipway
