#include "optim/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace slipway {

double scheduled_lr(const ScheduleSpec& schedule, double base_lr, int64_t step,
                    int64_t total_steps) {
    const int64_t warmup = std::max<int64_t>(schedule.warmup_steps, 0);
    if (step < warmup) {
        return base_lr * static_cast<double>(step + 1) / static_cast<double>(warmup);
    }
    const int64_t since = step - warmup;
    switch (schedule.kind) {
        case ScheduleKind::kConstant:
            return base_lr;
        case ScheduleKind::kStep: {
            const int64_t size = std::max<int64_t>(schedule.step_size, 1);
            return base_lr * std::pow(schedule.gamma, static_cast<double>(since / size));
        }
        case ScheduleKind::kCosine: {
            const int64_t span = total_steps - warmup;
            // No steps after the warmup: nothing to decay over, so sit at the floor.
            double t = span > 0 ? static_cast<double>(since) / static_cast<double>(span) : 1.0;
            t = std::clamp(t, 0.0, 1.0);
            return schedule.min_lr +
                   (base_lr - schedule.min_lr) * (1.0 + std::cos(std::numbers::pi * t)) / 2.0;
        }
    }
    return base_lr;
}

}  // namespace slipway
