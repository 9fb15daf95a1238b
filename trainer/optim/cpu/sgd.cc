#include "optim/cpu/cpu_optimizers.h"
#include "optim/cpu/grad_norm.h"

namespace slipway::cpu {

CpuSgd::CpuSgd(const OptimizerSpec& spec, double clip_grad_norm, size_t parameter_count)
    : spec_(spec), clip_grad_norm_(clip_grad_norm), count_(parameter_count) {
    if (spec_.momentum != 0.0) velocity_.assign(count_, 0.0f);
}

double CpuSgd::step(float* parameters, float* gradients, double lr) {
    const float rate = static_cast<float>(lr);
    const float decay = static_cast<float>(spec_.weight_decay);
    const float momentum = static_cast<float>(spec_.momentum);
    const bool nesterov = spec_.nesterov;
    float* velocity = velocity_.data();
    auto update = [&](size_t first, size_t count) {
        float* p = parameters + first;
        const float* g = gradients + first;
        if (!velocity) {
            for (size_t i = 0; i < count; ++i) p[i] -= rate * (g[i] + decay * p[i]);
            return;
        }
        // A zero buffer makes the first step v = g, which is PyTorch's initialization.
        float* v = velocity + first;
        if (nesterov) {
            for (size_t i = 0; i < count; ++i) {
                const float d = g[i] + decay * p[i];
                v[i] = momentum * v[i] + d;
                p[i] -= rate * (d + momentum * v[i]);
            }
        } else {
            for (size_t i = 0; i < count; ++i) {
                const float d = g[i] + decay * p[i];
                v[i] = momentum * v[i] + d;
                p[i] -= rate * v[i];
            }
        }
    };
    const double norm = clip_then_update(gradients, count_, clip_grad_norm_, update);
    ++steps_;
    return norm;
}

std::vector<OptimizerState> CpuSgd::save_state() const {
    if (velocity_.empty()) return {};
    return {{"momentum", velocity_}};
}

bool CpuSgd::load_state(const std::vector<OptimizerState>& state, int64_t steps_taken) {
    if (steps_taken < 0) return false;
    std::vector<const char*> names;
    std::vector<std::vector<float>*> targets;
    if (!velocity_.empty()) {
        names.push_back("momentum");
        targets.push_back(&velocity_);
    }
    if (!restore_named(state, names, targets)) return false;
    steps_ = steps_taken;
    return true;
}

}  // namespace slipway::cpu
