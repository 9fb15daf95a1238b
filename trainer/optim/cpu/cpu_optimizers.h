#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "optim/optimizer.h"

namespace slipway::cpu {

// SGD with momentum, Nesterov and L2 weight decay, as torch.optim.SGD (dampening 0).
class CpuSgd final : public Optimizer {
public:
    CpuSgd(const OptimizerSpec& spec, double clip_grad_norm, size_t parameter_count);

    double step(float* parameters, float* gradients, double lr) override;
    int64_t steps_taken() const override { return steps_; }
    std::vector<OptimizerState> save_state() const override;
    bool load_state(const std::vector<OptimizerState>& state, int64_t steps_taken) override;

private:
    OptimizerSpec spec_;
    double clip_grad_norm_;
    size_t count_;
    std::vector<float> velocity_;  // empty when momentum is 0 (PyTorch keeps no buffer then)
    int64_t steps_ = 0;
};

// AdamW as torch.optim.AdamW (amsgrad off): decoupled decay, then bias-corrected Adam.
class CpuAdamW final : public Optimizer {
public:
    CpuAdamW(const OptimizerSpec& spec, double clip_grad_norm, size_t parameter_count);

    double step(float* parameters, float* gradients, double lr) override;
    int64_t steps_taken() const override { return steps_; }
    std::vector<OptimizerState> save_state() const override;
    bool load_state(const std::vector<OptimizerState>& state, int64_t steps_taken) override;

private:
    OptimizerSpec spec_;
    double clip_grad_norm_;
    size_t count_;
    std::vector<float> m_;
    std::vector<float> v_;
    int64_t steps_ = 0;
};

// Copies the named states into `targets` (same order as `names`); false unless every name
// appears exactly once with the target's size and nothing else is present.
bool restore_named(const std::vector<OptimizerState>& state,
                   const std::vector<const char*>& names,
                   const std::vector<std::vector<float>*>& targets);

}  // namespace slipway::cpu
