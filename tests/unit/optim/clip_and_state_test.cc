#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "optim/optimizer.h"

namespace slipway {
namespace {

OptimizerSpec plain_sgd() {
    OptimizerSpec spec;
    spec.kind = OptimizerKind::kSgd;
    spec.momentum = 0;
    return spec;
}

TEST(Clip, ScalesToTheNormAndReturnsTheNormBefore) {
    auto optimizer = make_cpu_optimizer(plain_sgd(), 1.0, 2);
    std::vector<float> p = {0.0f, 0.0f};
    std::vector<float> g = {3.0f, 4.0f};
    EXPECT_DOUBLE_EQ(optimizer->step(p.data(), g.data(), 1.0), 5.0);
    EXPECT_NEAR(g[0], 0.6f, 1e-6);  // the gradients themselves are clipped
    EXPECT_NEAR(g[1], 0.8f, 1e-6);
    EXPECT_NEAR(p[0], -0.6f, 1e-6);
    EXPECT_NEAR(p[1], -0.8f, 1e-6);
}

TEST(Clip, LeavesSmallGradientsAlone) {
    auto optimizer = make_cpu_optimizer(plain_sgd(), 10.0, 2);
    std::vector<float> p = {0.0f, 0.0f};
    std::vector<float> g = {3.0f, 4.0f};
    EXPECT_DOUBLE_EQ(optimizer->step(p.data(), g.data(), 1.0), 5.0);
    EXPECT_EQ(p[0], -3.0f);
    EXPECT_EQ(p[1], -4.0f);
}

TEST(Clip, OffStillReportsTheNorm) {
    auto optimizer = make_cpu_optimizer(plain_sgd(), 0.0, 11);
    std::vector<float> p(11, 0.0f);
    std::vector<float> g(11, 2.0f);  // not a multiple of the 8 accumulation lanes
    EXPECT_NEAR(optimizer->step(p.data(), g.data(), 1.0), std::sqrt(44.0), 1e-12);
    EXPECT_EQ(p[10], -2.0f);
}

TEST(Clip, AppliesBeforeAdamW) {
    OptimizerSpec spec;
    spec.kind = OptimizerKind::kAdamW;
    spec.weight_decay = 0;
    auto optimizer = make_cpu_optimizer(spec, 1.0, 2);
    std::vector<float> p = {0.0f, 0.0f};
    std::vector<float> g = {30.0f, 40.0f};
    EXPECT_DOUBLE_EQ(optimizer->step(p.data(), g.data(), 0.1), 50.0);
    EXPECT_NEAR(g[0], 0.6f, 1e-6);
    EXPECT_NEAR(g[1], 0.8f, 1e-6);
}

// Two optimizers: one runs 4 steps, the other runs 2, saves, and a third resumes from that
// state. The resumed trajectory must match exactly.
void expect_resume_matches(const OptimizerSpec& spec, const std::vector<const char*>& names) {
    const std::vector<std::vector<float>> grads = {
        {0.1f, -0.2f, 0.3f}, {0.4f, 0.1f, -0.1f}, {-0.3f, 0.2f, 0.2f}, {0.05f, 0.05f, -0.4f}};
    auto straight = make_cpu_optimizer(spec, 0.0, 3);
    auto first = make_cpu_optimizer(spec, 0.0, 3);
    std::vector<float> p_straight = {1.0f, 2.0f, 3.0f};
    std::vector<float> p_split = p_straight;
    for (size_t s = 0; s < 4; ++s) {
        auto g = grads[s];
        straight->step(p_straight.data(), g.data(), 0.05);
    }
    for (size_t s = 0; s < 2; ++s) {
        auto g = grads[s];
        first->step(p_split.data(), g.data(), 0.05);
    }
    const auto state = first->save_state();
    ASSERT_EQ(state.size(), names.size());
    for (size_t k = 0; k < names.size(); ++k) {
        EXPECT_EQ(state[k].name, names[k]);
        EXPECT_EQ(state[k].values.size(), 3u);
    }
    auto resumed = make_cpu_optimizer(spec, 0.0, 3);
    ASSERT_TRUE(resumed->load_state(state, first->steps_taken()));
    EXPECT_EQ(resumed->steps_taken(), 2);
    for (size_t s = 2; s < 4; ++s) {
        auto g = grads[s];
        resumed->step(p_split.data(), g.data(), 0.05);
    }
    EXPECT_EQ(p_split, p_straight);
}

TEST(State, SgdMomentumRoundTrip) {
    OptimizerSpec spec;
    spec.momentum = 0.9;
    spec.nesterov = true;
    expect_resume_matches(spec, {"momentum"});
}

TEST(State, AdamWRoundTrip) {
    OptimizerSpec spec;
    spec.kind = OptimizerKind::kAdamW;
    spec.weight_decay = 0.01;
    expect_resume_matches(spec, {"adam_m", "adam_v"});
}

TEST(State, PlainSgdHasNoState) {
    auto optimizer = make_cpu_optimizer(plain_sgd(), 0.0, 3);
    EXPECT_TRUE(optimizer->save_state().empty());
    EXPECT_TRUE(optimizer->load_state({}, 7));
    EXPECT_EQ(optimizer->steps_taken(), 7);
    EXPECT_FALSE(optimizer->load_state({{"momentum", {0, 0, 0}}}, 1));
}

TEST(State, RejectsMismatches) {
    OptimizerSpec spec;
    spec.kind = OptimizerKind::kAdamW;
    auto optimizer = make_cpu_optimizer(spec, 0.0, 3);
    const std::vector<float> three(3, 1.0f);
    EXPECT_FALSE(optimizer->load_state({{"adam_m", three}}, 1));                      // missing
    EXPECT_FALSE(optimizer->load_state({{"adam_m", three}, {"adam_x", three}}, 1));   // name
    EXPECT_FALSE(optimizer->load_state({{"adam_m", three}, {"adam_v", {1, 2}}}, 1));  // size
    EXPECT_FALSE(optimizer->load_state({{"adam_m", three}, {"adam_m", three}}, 1));   // twice
    EXPECT_FALSE(optimizer->load_state({{"momentum", three}}, 1));
    EXPECT_EQ(optimizer->steps_taken(), 0);
    // Order does not matter.
    EXPECT_TRUE(optimizer->load_state({{"adam_v", three}, {"adam_m", three}}, 5));
    EXPECT_EQ(optimizer->steps_taken(), 5);
}

}  // namespace
}  // namespace slipway
