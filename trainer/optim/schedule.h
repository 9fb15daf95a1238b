#pragma once

#include <cstdint>

#include "spec/job_spec.h"

namespace slipway {

// Learning rate for optimizer step `step` (0-based) of `total_steps`:
// linear warmup from lr/warmup_steps up to base_lr over warmup_steps steps (step+1)/warmup,
// then constant; step: base_lr * gamma^floor((step - warmup) / step_size);
// cosine: min_lr + (base_lr - min_lr) * (1 + cos(pi * t)) / 2, t = (step - warmup) /
// (total_steps - warmup), clamped to [0, 1].
double scheduled_lr(const ScheduleSpec& schedule, double base_lr, int64_t step,
                    int64_t total_steps);

}  // namespace slipway
