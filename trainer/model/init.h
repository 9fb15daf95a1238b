#pragma once

#include <cstdint>
#include <span>

#include "model/mlp_config.h"

namespace slipway {

// Fills `parameters` (parameter_count(config) floats, host memory) from `seed`:
// He normal (std = sqrt(2 / fan_in)) or Xavier normal (std = sqrt(2 / (fan_in + fan_out)))
// weights and zero biases. Deterministic across machines (own RNG and Box-Muller).
void init_mlp_parameters(const MlpConfig& config, uint64_t seed, std::span<float> parameters);

}  // namespace slipway
