#include <gtest/gtest.h>

#include "optim/schedule.h"

namespace slipway {
namespace {

ScheduleSpec schedule(ScheduleKind kind, int64_t warmup = 0) {
    ScheduleSpec spec;
    spec.kind = kind;
    spec.warmup_steps = warmup;
    return spec;
}

TEST(Schedule, ConstantWithWarmupRamp) {
    const ScheduleSpec spec = schedule(ScheduleKind::kConstant, 4);
    EXPECT_DOUBLE_EQ(scheduled_lr(spec, 0.8, 0, 100), 0.2);
    EXPECT_DOUBLE_EQ(scheduled_lr(spec, 0.8, 1, 100), 0.4);
    EXPECT_DOUBLE_EQ(scheduled_lr(spec, 0.8, 2, 100), 0.6);
    EXPECT_DOUBLE_EQ(scheduled_lr(spec, 0.8, 3, 100), 0.8);
    EXPECT_DOUBLE_EQ(scheduled_lr(spec, 0.8, 4, 100), 0.8);
    EXPECT_DOUBLE_EQ(scheduled_lr(spec, 0.8, 99, 100), 0.8);
    EXPECT_DOUBLE_EQ(scheduled_lr(schedule(ScheduleKind::kConstant), 0.8, 0, 100), 0.8);
}

TEST(Schedule, StepDecayBoundaries) {
    ScheduleSpec spec = schedule(ScheduleKind::kStep);
    spec.step_size = 10;
    spec.gamma = 0.5;
    EXPECT_DOUBLE_EQ(scheduled_lr(spec, 1.0, 0, 100), 1.0);
    EXPECT_DOUBLE_EQ(scheduled_lr(spec, 1.0, 9, 100), 1.0);
    EXPECT_DOUBLE_EQ(scheduled_lr(spec, 1.0, 10, 100), 0.5);
    EXPECT_DOUBLE_EQ(scheduled_lr(spec, 1.0, 19, 100), 0.5);
    EXPECT_DOUBLE_EQ(scheduled_lr(spec, 1.0, 20, 100), 0.25);
    // Decay counts from the end of the warmup.
    spec.warmup_steps = 5;
    EXPECT_DOUBLE_EQ(scheduled_lr(spec, 1.0, 4, 100), 1.0);
    EXPECT_DOUBLE_EQ(scheduled_lr(spec, 1.0, 14, 100), 1.0);
    EXPECT_DOUBLE_EQ(scheduled_lr(spec, 1.0, 15, 100), 0.5);
}

TEST(Schedule, CosineEndpointsAndMidpoint) {
    ScheduleSpec spec = schedule(ScheduleKind::kCosine);
    spec.min_lr = 0.1;
    EXPECT_DOUBLE_EQ(scheduled_lr(spec, 1.0, 0, 100), 1.0);
    EXPECT_NEAR(scheduled_lr(spec, 1.0, 50, 100), 0.55, 1e-12);
    EXPECT_NEAR(scheduled_lr(spec, 1.0, 100, 100), 0.1, 1e-12);
    EXPECT_NEAR(scheduled_lr(spec, 1.0, 250, 100), 0.1, 1e-12);  // clamped
    // Quarter point: 0.1 + 0.9 * (1 + cos(pi / 4)) / 2.
    EXPECT_NEAR(scheduled_lr(spec, 1.0, 25, 100), 0.1 + 0.9 * (1 + 0.7071067811865476) / 2,
                1e-12);
    spec.warmup_steps = 10;
    EXPECT_DOUBLE_EQ(scheduled_lr(spec, 1.0, 4, 110), 0.5);
    EXPECT_DOUBLE_EQ(scheduled_lr(spec, 1.0, 10, 110), 1.0);
    EXPECT_NEAR(scheduled_lr(spec, 1.0, 60, 110), 0.55, 1e-12);
    EXPECT_NEAR(scheduled_lr(spec, 1.0, 110, 110), 0.1, 1e-12);
}

}  // namespace
}  // namespace slipway
