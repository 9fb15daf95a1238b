// AdamW against PyTorch's rule, worked out by hand:
//   p *= 1 - lr * wd;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
//   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)

#include <gtest/gtest.h>

#include <vector>

#include "optim/optimizer.h"

namespace slipway {
namespace {

OptimizerSpec adamw() {
    OptimizerSpec spec;
    spec.kind = OptimizerKind::kAdamW;
    spec.lr = 0.01;
    spec.beta1 = 0.9;
    spec.beta2 = 0.999;
    spec.eps = 1e-8;
    spec.weight_decay = 0.1;
    return spec;
}

TEST(AdamW, ThreeSteps) {
    auto optimizer = make_cpu_optimizer(adamw(), 0.0, 3);
    std::vector<float> p = {1.0f, -2.0f, 0.5f};

    // Step 1: bias correction makes m_hat = g, v_hat = g^2, so the step is lr * sign(g)
    // after the decay p *= 0.999: (0.999 - 0.01, -1.998 - 0.01, 0.4995 + 0.01).
    std::vector<float> g = {0.1f, 0.2f, -0.3f};
    optimizer->step(p.data(), g.data(), 0.01);
    EXPECT_NEAR(p[0], 0.989, 1e-6);
    EXPECT_NEAR(p[1], -2.008, 1e-6);
    EXPECT_NEAR(p[2], 0.5095, 1e-6);

    // Step 2, g = (0.05, -0.1, 0.2): m = (0.014, 0.008, -0.007),
    // v = (1.249e-5, 4.996e-5, 1.2991e-4), corrections 0.19 and 0.001999.
    g = {0.05f, -0.1f, 0.2f};
    optimizer->step(p.data(), g.data(), 0.01);
    EXPECT_NEAR(p[0], 0.978689206, 2e-6);
    EXPECT_NEAR(p[1], -2.008655370, 2e-6);
    EXPECT_NEAR(p[2], 0.510435705, 2e-6);

    // Step 3, g = (0.1, 0.2, -0.3) again.
    g = {0.1f, 0.2f, -0.3f};
    optimizer->step(p.data(), g.data(), 0.01);
    EXPECT_NEAR(p[0], 0.968080912, 3e-6);
    EXPECT_NEAR(p[1], -2.012441521, 3e-6);
    EXPECT_NEAR(p[2], 0.514871639, 3e-6);
    EXPECT_EQ(optimizer->steps_taken(), 3);
}

TEST(AdamW, EpsilonIsOutsideTheSquareRoot) {
    // One step on a zero gradient component: m = v = 0, so the update is 0 / (0 + eps) = 0,
    // and a tiny gradient gives lr * g / (|g| + eps) (inside the root it would be far smaller).
    OptimizerSpec spec = adamw();
    spec.weight_decay = 0;
    spec.eps = 1e-3;
    auto optimizer = make_cpu_optimizer(spec, 0.0, 2);
    std::vector<float> p = {0.0f, 0.0f};
    std::vector<float> g = {0.0f, 1e-3f};
    optimizer->step(p.data(), g.data(), 0.01);
    EXPECT_EQ(p[0], 0.0f);
    EXPECT_NEAR(p[1], -0.01 * 1e-3 / (1e-3 + 1e-3), 1e-9);
}

}  // namespace
}  // namespace slipway
