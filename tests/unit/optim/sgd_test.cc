// SGD against numbers worked out by hand from PyTorch's update rule:
//   d = g + wd * p;  v = momentum * v + d  (v = d on the first step);
//   p -= lr * (nesterov ? d + momentum * v : v)

#include <gtest/gtest.h>

#include <vector>

#include "optim/optimizer.h"

namespace slipway {
namespace {

OptimizerSpec sgd(double momentum, bool nesterov = false, double weight_decay = 0) {
    OptimizerSpec spec;
    spec.kind = OptimizerKind::kSgd;
    spec.momentum = momentum;
    spec.nesterov = nesterov;
    spec.weight_decay = weight_decay;
    return spec;
}

// Runs steps with the same gradient g = (0.1, 0.2, -0.3) from p = (1, -2, 0.5), lr = 0.1,
// checking p after each step.
void expect_trajectory(const OptimizerSpec& spec,
                       const std::vector<std::vector<float>>& expected) {
    auto optimizer = make_cpu_optimizer(spec, 0.0, 3);
    std::vector<float> p = {1.0f, -2.0f, 0.5f};
    for (size_t step = 0; step < expected.size(); ++step) {
        std::vector<float> g = {0.1f, 0.2f, -0.3f};
        optimizer->step(p.data(), g.data(), 0.1);
        for (size_t i = 0; i < 3; ++i) {
            EXPECT_NEAR(p[i], expected[step][i], 1e-6) << "step " << step << " index " << i;
        }
    }
    EXPECT_EQ(optimizer->steps_taken(), static_cast<int64_t>(expected.size()));
}

TEST(Sgd, Plain) {
    // p -= 0.1 * g each step.
    expect_trajectory(sgd(0.0), {{0.99f, -2.02f, 0.53f}, {0.98f, -2.04f, 0.56f}});
}

TEST(Sgd, Momentum) {
    // v: g, then 0.9 g + g = 1.9 g, then 0.9 * 1.9 g + g = 2.71 g.
    expect_trajectory(sgd(0.9), {{0.99f, -2.02f, 0.53f},
                                 {0.971f, -2.058f, 0.587f},
                                 {0.9439f, -2.1122f, 0.6683f}});
}

TEST(Sgd, Nesterov) {
    // Step 1: v = g, update g + 0.9 g = 1.9 g. Step 2: v = 1.9 g, update g + 1.71 g = 2.71 g.
    expect_trajectory(sgd(0.9, true), {{0.981f, -2.038f, 0.557f},
                                       {0.9539f, -2.0922f, 0.6383f}});
}

TEST(Sgd, WeightDecay) {
    // Step 1: d = g + 0.01 p = (0.11, 0.18, -0.295).
    // Step 2: d = (0.1 + 0.00989, 0.2 - 0.02018, -0.3 + 0.005295).
    expect_trajectory(sgd(0.0, false, 0.01), {{0.989f, -2.018f, 0.5295f},
                                              {0.978011f, -2.035982f, 0.5589705f}});
}

TEST(Sgd, WeightDecayWithMomentum) {
    // Step 2: v = 0.9 * (0.11, 0.18, -0.295) + (0.10989, 0.17982, -0.294705).
    expect_trajectory(sgd(0.9, false, 0.01), {{0.989f, -2.018f, 0.5295f},
                                              {0.968111f, -2.052182f, 0.5855205f}});
}

TEST(Sgd, LearningRateComesFromTheCall) {
    auto optimizer = make_cpu_optimizer(sgd(0.0), 0.0, 2);
    std::vector<float> p = {1.0f, 1.0f};
    std::vector<float> g = {1.0f, -2.0f};
    optimizer->step(p.data(), g.data(), 0.5);
    EXPECT_FLOAT_EQ(p[0], 0.5f);
    EXPECT_FLOAT_EQ(p[1], 2.0f);
}

}  // namespace
}  // namespace slipway
