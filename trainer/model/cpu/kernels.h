#pragma once

#include <cstddef>
#include <cstdint>

#include "spec/job_spec.h"

// The elementwise passes of the CPU MLP. Matrices are row-major [rows][units]. Everything
// that touches an element more than once (bias, activation, dropout) does it in one visit.
namespace slipway::cpu {

// Dropout for one hidden layer of one batch: which rows (their global sample ids), which
// layer, and the mask threshold/scale of model/dropout.h. threshold == 0 means no dropout.
struct DropoutPlan {
    const uint32_t* sample_ids = nullptr;
    uint64_t seed = 0;
    uint64_t epoch = 0;
    uint64_t layer = 0;
    uint32_t threshold = 0;
    float scale = 1.0f;
};

// z <- dropout(act(z + bias)). When `deriv` is not null it receives the local derivative
// act'(z + bias) * mask * scale, what the backward pass multiplies the incoming gradient by.
// For relu no derivative buffer is needed (see relu_backward), so pass null.
void bias_activation_forward(float* z, float* deriv, size_t rows, int units, const float* bias,
                             Activation activation, const DropoutPlan& dropout);

// Plain bias add (the output layer).
void bias_forward(float* z, size_t rows, int units, const float* bias);

// grad <- grad * deriv (tanh, gelu: deriv from bias_activation_forward).
void derivative_backward(float* grad, const float* deriv, size_t count);

// grad <- h > 0 ? grad * scale : 0, with h the stored relu output after dropout: a positive h
// means the unit was active and kept, so the mask needs no second look-up.
void relu_backward(float* grad, const float* h, size_t count, float scale);

// bias_grad[j] += sum over rows of grad[r][j].
void column_sums_accumulate(const float* grad, size_t rows, int units, float* bias_grad);

// Loss sums of one batch; when `grad_scale_or_none` is given the outputs are overwritten with
// grad_scale * d(loss sum)/d(outputs).
struct LossSums {
    double loss_sum = 0;
    double correct = 0;
};

// Per-sample loss: log(sum_j exp(z_j)) - z_label, computed after subtracting max_j z_j.
// correct counts rows whose first maximal output is the label.
LossSums softmax_cross_entropy(float* z, size_t rows, int classes, const int32_t* labels,
                               const float* grad_scale_or_none);

// Per-sample loss: sum_j (z_j - t_j)^2 / outputs (see model.h).
LossSums mean_squared_error(float* z, size_t rows, int outputs, const float* targets,
                            const float* grad_scale_or_none);

// The gelu used everywhere (tanh approximation), exposed for tests.
float gelu(float x);
float gelu_derivative(float x);

}  // namespace slipway::cpu
