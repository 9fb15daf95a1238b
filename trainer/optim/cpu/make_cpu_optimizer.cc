#include <memory>

#include "optim/cpu/cpu_optimizers.h"

namespace slipway::cpu {

bool restore_named(const std::vector<OptimizerState>& state,
                   const std::vector<const char*>& names,
                   const std::vector<std::vector<float>*>& targets) {
    if (state.size() != names.size()) return false;
    std::vector<const OptimizerState*> found(names.size(), nullptr);
    for (const OptimizerState& entry : state) {
        bool matched = false;
        for (size_t k = 0; k < names.size(); ++k) {
            if (entry.name != names[k]) continue;
            if (found[k] || entry.values.size() != targets[k]->size()) return false;
            found[k] = &entry;
            matched = true;
        }
        if (!matched) return false;
    }
    // Copy only after everything checked out, so a failed load leaves the state untouched.
    for (size_t k = 0; k < names.size(); ++k) *targets[k] = found[k]->values;
    return true;
}

}  // namespace slipway::cpu

namespace slipway {

std::unique_ptr<Optimizer> make_cpu_optimizer(const OptimizerSpec& spec, double clip_grad_norm,
                                              size_t parameter_count) {
    if (spec.kind == OptimizerKind::kAdamW) {
        return std::make_unique<cpu::CpuAdamW>(spec, clip_grad_norm, parameter_count);
    }
    return std::make_unique<cpu::CpuSgd>(spec, clip_grad_norm, parameter_count);
}

}  // namespace slipway
