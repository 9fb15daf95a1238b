#include "model/init.h"

#include <cmath>
#include <numbers>
#include <stdexcept>

#include "common/rng.h"

namespace slipway {
namespace {

// Standard normals by Box-Muller in double, both values of each pair used.
class NormalSource {
public:
    explicit NormalSource(uint64_t seed) : rng_(seed) {}

    double next() {
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        const double u1 = 1.0 - rng_.uniform();  // (0, 1]: log stays finite
        const double u2 = rng_.uniform();
        const double radius = std::sqrt(-2.0 * std::log(u1));
        const double angle = 2.0 * std::numbers::pi * u2;
        spare_ = radius * std::sin(angle);
        has_spare_ = true;
        return radius * std::cos(angle);
    }

private:
    Xoshiro256 rng_;
    double spare_ = 0;
    bool has_spare_ = false;
};

}  // namespace

void init_mlp_parameters(const MlpConfig& config, uint64_t seed, std::span<float> parameters) {
    if (parameters.size() != parameter_count(config)) {
        throw std::invalid_argument("init_mlp_parameters: buffer has " +
                                    std::to_string(parameters.size()) + " floats, model needs " +
                                    std::to_string(parameter_count(config)));
    }
    const auto layout = parameter_layout(config);
    for (size_t l = 0; l < layout.size(); ++l) {
        const LayerSlot& slot = layout[l];
        const double fan_in = slot.in;
        const double fan_out = slot.out;
        const double stddev = config.init == InitScheme::kXavier
                                  ? std::sqrt(2.0 / (fan_in + fan_out))
                                  : std::sqrt(2.0 / fan_in);
        // One stream per layer: a layer's weights depend only on (seed, layer, shape).
        NormalSource normal(splitmix64(seed) ^ splitmix64(kGolden * (l + 1)));
        float* weights = parameters.data() + slot.weight_offset;
        const size_t count = static_cast<size_t>(slot.in) * static_cast<size_t>(slot.out);
        for (size_t i = 0; i < count; ++i) weights[i] = static_cast<float>(stddev * normal.next());
        float* bias = parameters.data() + slot.bias_offset;
        for (int i = 0; i < slot.out; ++i) bias[i] = 0.0f;
    }
}

}  // namespace slipway
