#pragma once

// Test helpers for the model: random batches and an independent double-precision reference
// MLP (plain loops, no BLAS) that the CPU backend is checked against.

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "model/dropout.h"
#include "model/mlp_config.h"
#include "model/model.h"

namespace slipway::testing {

struct TestData {
    size_t rows = 0;
    std::vector<float> x;
    std::vector<int32_t> labels;
    std::vector<float> targets;
    std::vector<uint32_t> sample_ids;

    Batch batch() const {
        Batch b;
        b.x = x.data();
        b.rows = rows;
        b.labels = labels.empty() ? nullptr : labels.data();
        b.targets = targets.empty() ? nullptr : targets.data();
        b.sample_ids = sample_ids.data();
        return b;
    }

    // Rows [first, first + count) as their own data set.
    TestData slice(size_t first, size_t count, const MlpConfig& config) const {
        TestData out;
        out.rows = count;
        const size_t in = static_cast<size_t>(config.inputs);
        const size_t outs = static_cast<size_t>(config.outputs);
        out.x.assign(x.begin() + first * in, x.begin() + (first + count) * in);
        if (!labels.empty()) {
            out.labels.assign(labels.begin() + first, labels.begin() + first + count);
        }
        if (!targets.empty()) {
            out.targets.assign(targets.begin() + first * outs,
                               targets.begin() + (first + count) * outs);
        }
        out.sample_ids.assign(sample_ids.begin() + first, sample_ids.begin() + first + count);
        return out;
    }
};

inline TestData make_data(const MlpConfig& config, size_t rows, uint32_t seed,
                          uint32_t first_id = 1000) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::uniform_int_distribution<int32_t> label(0, config.outputs - 1);
    TestData data;
    data.rows = rows;
    data.x.resize(rows * static_cast<size_t>(config.inputs));
    for (float& v : data.x) v = normal(rng);
    if (config.loss == LossKind::kCrossEntropy) {
        data.labels.resize(rows);
        for (int32_t& v : data.labels) v = label(rng);
    } else {
        data.targets.resize(rows * static_cast<size_t>(config.outputs));
        for (float& v : data.targets) v = normal(rng);
    }
    data.sample_ids.resize(rows);
    for (size_t i = 0; i < rows; ++i) data.sample_ids[i] = first_id + static_cast<uint32_t>(i);
    return data;
}

// Parameters with small random biases too, so bias gradients are exercised off zero.
inline std::vector<float> random_parameters(const MlpConfig& config, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 0.6f);
    std::vector<float> params(parameter_count(config));
    for (float& v : params) v = normal(rng);
    return params;
}

inline double reference_activation(Activation activation, double x) {
    switch (activation) {
        case Activation::kRelu: return x > 0 ? x : 0;
        case Activation::kTanh: return std::tanh(x);
        case Activation::kGelu: {
            const double k = std::sqrt(2.0 / 3.14159265358979323846);
            return 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
        }
    }
    return 0;
}

// Sum of per-sample losses in double; `key` null means inference (no dropout).
inline double reference_loss_sum(const MlpConfig& config, const std::vector<double>& params,
                                 const TestData& data, const DropoutKey* key) {
    const auto layout = parameter_layout(config);
    const uint32_t threshold = dropout_threshold(config.dropout);
    const double scale = 1.0 / (1.0 - config.dropout);
    double total = 0;
    for (size_t r = 0; r < data.rows; ++r) {
        std::vector<double> a(data.x.begin() + r * config.inputs,
                              data.x.begin() + (r + 1) * config.inputs);
        for (size_t l = 0; l < layout.size(); ++l) {
            const LayerSlot& s = layout[l];
            std::vector<double> z(s.out);
            for (int o = 0; o < s.out; ++o) {
                double sum = params[s.bias_offset + o];
                for (int i = 0; i < s.in; ++i) {
                    sum += params[s.weight_offset + static_cast<size_t>(o) * s.in + i] * a[i];
                }
                z[o] = sum;
            }
            const bool hidden = l + 1 < layout.size();
            if (hidden) {
                const uint64_t row_key =
                    key ? dropout_row_key(key->seed, key->epoch, data.sample_ids[r], l) : 0;
                for (int o = 0; o < s.out; ++o) {
                    z[o] = reference_activation(config.activation, z[o]);
                    if (key && threshold) {
                        z[o] = dropout_keep(row_key, o, threshold) ? z[o] * scale : 0.0;
                    }
                }
            }
            a = z;
        }
        if (config.loss == LossKind::kCrossEntropy) {
            double max = a[0];
            for (double v : a) max = std::max(max, v);
            double sum = 0;
            for (double v : a) sum += std::exp(v - max);
            total += max + std::log(sum) - a[data.labels[r]];
        } else {
            double sum = 0;
            for (int j = 0; j < config.outputs; ++j) {
                const double d = a[j] - data.targets[r * config.outputs + j];
                sum += d * d;
            }
            total += sum / config.outputs;
        }
    }
    return total;
}

// Central differences of reference_loss_sum in double.
inline std::vector<double> reference_gradient(const MlpConfig& config,
                                              const std::vector<float>& params,
                                              const TestData& data, const DropoutKey* key,
                                              double eps = 1e-6) {
    std::vector<double> p(params.begin(), params.end());
    std::vector<double> grad(p.size());
    for (size_t i = 0; i < p.size(); ++i) {
        const double saved = p[i];
        p[i] = saved + eps;
        const double up = reference_loss_sum(config, p, data, key);
        p[i] = saved - eps;
        const double down = reference_loss_sum(config, p, data, key);
        p[i] = saved;
        grad[i] = (up - down) / (2 * eps);
    }
    return grad;
}

}  // namespace slipway::testing
