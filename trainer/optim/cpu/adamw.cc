#include <cmath>

#include "optim/cpu/cpu_optimizers.h"
#include "optim/cpu/grad_norm.h"

namespace slipway::cpu {

CpuAdamW::CpuAdamW(const OptimizerSpec& spec, double clip_grad_norm, size_t parameter_count)
    : spec_(spec),
      clip_grad_norm_(clip_grad_norm),
      count_(parameter_count),
      m_(parameter_count, 0.0f),
      v_(parameter_count, 0.0f) {}

double CpuAdamW::step(float* parameters, float* gradients, double lr) {
    const double t = static_cast<double>(steps_ + 1);
    // Scalars in double, per-element work in float, as PyTorch does for float32 tensors.
    const double correction1 = 1.0 - std::pow(spec_.beta1, t);
    const double correction2 = 1.0 - std::pow(spec_.beta2, t);
    const float decay = static_cast<float>(1.0 - lr * spec_.weight_decay);
    const float step_size = static_cast<float>(lr / correction1);
    const float inv_sqrt_correction2 = static_cast<float>(1.0 / std::sqrt(correction2));
    const float beta1 = static_cast<float>(spec_.beta1);
    const float beta2 = static_cast<float>(spec_.beta2);
    const float one_minus_beta1 = static_cast<float>(1.0 - spec_.beta1);
    const float one_minus_beta2 = static_cast<float>(1.0 - spec_.beta2);
    const float eps = static_cast<float>(spec_.eps);
    auto update = [&](size_t first, size_t count) {
        float* p = parameters + first;
        const float* g = gradients + first;
        float* m = m_.data() + first;
        float* v = v_.data() + first;
        for (size_t i = 0; i < count; ++i) {
            m[i] = beta1 * m[i] + one_minus_beta1 * g[i];
            v[i] = beta2 * v[i] + one_minus_beta2 * g[i] * g[i];
            const float denom = std::sqrt(v[i]) * inv_sqrt_correction2 + eps;
            p[i] = p[i] * decay - step_size * m[i] / denom;
        }
    };
    const double norm = clip_then_update(gradients, count_, clip_grad_norm_, update);
    ++steps_;
    return norm;
}

std::vector<OptimizerState> CpuAdamW::save_state() const {
    return {{"adam_m", m_}, {"adam_v", v_}};
}

bool CpuAdamW::load_state(const std::vector<OptimizerState>& state, int64_t steps_taken) {
    if (steps_taken < 0) return false;
    if (!restore_named(state, {"adam_m", "adam_v"}, {&m_, &v_})) return false;
    steps_ = steps_taken;
    return true;
}

}  // namespace slipway::cpu
