#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "spec/job_spec.h"

namespace slipway {

// A named host copy of optimizer state (momentum, Adam moments), for checkpoints.
struct OptimizerState {
    std::string name;
    std::vector<float> values;
};

// Applies updates to flat parameters in the backend's memory. Matches PyTorch's semantics:
// SGD adds weight_decay * p to the gradient, v = momentum * v + g, p -= lr * (nesterov ?
// g + momentum * v : v); AdamW decays p by lr * weight_decay first, then the bias-corrected
// Adam step with eps outside the square root.
class Optimizer {
public:
    virtual ~Optimizer() = default;

    // One update with learning rate `lr`. When clip_grad_norm > 0 the gradients are first
    // scaled so their global L2 norm is at most clip_grad_norm. Returns the norm before clipping.
    virtual double step(float* parameters, float* gradients, double lr) = 0;

    virtual int64_t steps_taken() const = 0;
    virtual std::vector<OptimizerState> save_state() const = 0;
    // False when names or sizes do not match this optimizer.
    virtual bool load_state(const std::vector<OptimizerState>& state, int64_t steps_taken) = 0;
};

std::unique_ptr<Optimizer> make_cpu_optimizer(const OptimizerSpec& spec, double clip_grad_norm,
                                              size_t parameter_count);

}  // namespace slipway
