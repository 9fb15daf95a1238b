#include "model/cpu/kernels.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "model/dropout.h"

namespace slipway::cpu {
namespace {

constexpr float kGeluK = 0.7978845608028654f;  // sqrt(2 / pi)
constexpr float kGeluC = 0.044715f;

// Applies the mask of one row in place while the row is still in L1 from the activation pass.
void dropout_row(float* row, float* deriv_row, int units, uint64_t row_key, uint32_t threshold,
                 float scale) {
    for (int base = 0; base < units; base += 4) {
        const uint64_t word =
            splitmix64(row_key + static_cast<uint64_t>(base / 4) * kGolden);
        const int end = std::min(base + 4, units);
        for (int j = base; j < end; ++j) {
            const uint32_t bits = static_cast<uint32_t>(word >> (16 * (j - base))) & 0xFFFFu;
            const bool keep = bits >= threshold;
            // Select rather than multiply by 0 so an inf activation does not become NaN.
            const float value = row[j] * scale;
            row[j] = keep ? value : 0.0f;
            if (deriv_row) {
                const float slope = deriv_row[j] * scale;
                deriv_row[j] = keep ? slope : 0.0f;
            }
        }
    }
}

template <Activation kAct>
void activation_rows(float* z, float* deriv, size_t rows, int units, const float* bias,
                     const DropoutPlan& dropout) {
    const size_t n = static_cast<size_t>(units);
    for (size_t r = 0; r < rows; ++r) {
        float* row = z + r * n;
        float* deriv_row = deriv ? deriv + r * n : nullptr;
        if constexpr (kAct == Activation::kRelu) {
            for (size_t j = 0; j < n; ++j) row[j] = std::max(row[j] + bias[j], 0.0f);
        } else if constexpr (kAct == Activation::kTanh) {
            for (size_t j = 0; j < n; ++j) {
                const float t = std::tanh(row[j] + bias[j]);
                row[j] = t;
                if (deriv_row) deriv_row[j] = 1.0f - t * t;
            }
        } else {
            for (size_t j = 0; j < n; ++j) {
                const float x = row[j] + bias[j];
                // One tanh serves both the value and the derivative.
                const float t = std::tanh(kGeluK * (x + kGeluC * x * x * x));
                row[j] = 0.5f * x * (1.0f + t);
                if (deriv_row) {
                    deriv_row[j] = 0.5f * (1.0f + t) +
                                   0.5f * x * (1.0f - t * t) * kGeluK *
                                       (1.0f + 3.0f * kGeluC * x * x);
                }
            }
        }
        if (dropout.threshold != 0) {
            const uint64_t key = dropout_row_key(dropout.seed, dropout.epoch,
                                                 dropout.sample_ids[r], dropout.layer);
            dropout_row(row, deriv_row, units, key, dropout.threshold, dropout.scale);
        }
    }
}

}  // namespace

float gelu(float x) {
    return 0.5f * x * (1.0f + std::tanh(kGeluK * (x + kGeluC * x * x * x)));
}

float gelu_derivative(float x) {
    const float t = std::tanh(kGeluK * (x + kGeluC * x * x * x));
    return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * kGeluK * (1.0f + 3.0f * kGeluC * x * x);
}

void bias_activation_forward(float* z, float* deriv, size_t rows, int units, const float* bias,
                             Activation activation, const DropoutPlan& dropout) {
    switch (activation) {
        case Activation::kRelu:
            activation_rows<Activation::kRelu>(z, deriv, rows, units, bias, dropout);
            return;
        case Activation::kTanh:
            activation_rows<Activation::kTanh>(z, deriv, rows, units, bias, dropout);
            return;
        case Activation::kGelu:
            activation_rows<Activation::kGelu>(z, deriv, rows, units, bias, dropout);
            return;
    }
}

void bias_forward(float* z, size_t rows, int units, const float* bias) {
    const size_t n = static_cast<size_t>(units);
    for (size_t r = 0; r < rows; ++r) {
        float* row = z + r * n;
        for (size_t j = 0; j < n; ++j) row[j] += bias[j];
    }
}

void derivative_backward(float* grad, const float* deriv, size_t count) {
    for (size_t i = 0; i < count; ++i) grad[i] *= deriv[i];
}

void relu_backward(float* grad, const float* h, size_t count, float scale) {
    // A select between constants, then a multiply: GCC keeps a branch (and does not
    // vectorize) for `h > 0 ? grad * scale : 0`. Only a non-finite grad reads differently.
    for (size_t i = 0; i < count; ++i) grad[i] *= h[i] > 0.0f ? scale : 0.0f;
}

void column_sums_accumulate(const float* grad, size_t rows, int units, float* bias_grad) {
    const size_t n = static_cast<size_t>(units);
    for (size_t r = 0; r < rows; ++r) {
        const float* row = grad + r * n;
        for (size_t j = 0; j < n; ++j) bias_grad[j] += row[j];
    }
}

LossSums softmax_cross_entropy(float* z, size_t rows, int classes, const int32_t* labels,
                               const float* grad_scale_or_none) {
    LossSums sums;
    const size_t n = static_cast<size_t>(classes);
    for (size_t r = 0; r < rows; ++r) {
        float* row = z + r * n;
        const int32_t label = labels[r];
        if (label < 0 || label >= classes) {
            throw std::invalid_argument("cross-entropy label " + std::to_string(label) +
                                        " outside [0, " + std::to_string(classes) + ")");
        }
        size_t argmax = 0;
        for (size_t j = 1; j < n; ++j) {
            if (row[j] > row[argmax]) argmax = j;
        }
        const float max = row[argmax];
        float sum = 0.0f;
        for (size_t j = 0; j < n; ++j) sum += std::exp(row[j] - max);
        const float log_sum = std::log(sum);
        sums.loss_sum += static_cast<double>(log_sum - (row[label] - max));
        sums.correct += argmax == static_cast<size_t>(label) ? 1.0 : 0.0;
        if (grad_scale_or_none) {
            const float scale = *grad_scale_or_none;
            const float inv_sum = 1.0f / sum;
            for (size_t j = 0; j < n; ++j) row[j] = std::exp(row[j] - max) * inv_sum * scale;
            row[label] -= scale;
        }
    }
    return sums;
}

LossSums mean_squared_error(float* z, size_t rows, int outputs, const float* targets,
                            const float* grad_scale_or_none) {
    LossSums sums;
    const size_t n = static_cast<size_t>(outputs);
    const float inv_n = 1.0f / static_cast<float>(outputs);
    const float grad_factor = grad_scale_or_none ? 2.0f * inv_n * *grad_scale_or_none : 0.0f;
    for (size_t r = 0; r < rows; ++r) {
        float* row = z + r * n;
        const float* target = targets + r * n;
        float sum = 0.0f;
        for (size_t j = 0; j < n; ++j) {
            const float diff = row[j] - target[j];
            sum += diff * diff;
            if (grad_scale_or_none) row[j] = grad_factor * diff;
        }
        sums.loss_sum += static_cast<double>(sum * inv_n);
    }
    return sums;
}

}  // namespace slipway::cpu
