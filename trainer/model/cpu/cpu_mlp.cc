#include "model/cpu/cpu_mlp.h"

#include <cblas.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "model/dropout.h"

namespace slipway::cpu {
namespace {

void check_config(const MlpConfig& config) {
    auto fail = [](const std::string& what) {
        throw std::invalid_argument("cpu model: " + what);
    };
    if (config.inputs <= 0) fail("inputs must be positive");
    if (config.outputs <= 0) fail("outputs must be positive");
    for (int width : config.hidden) {
        if (width <= 0) fail("hidden widths must be positive");
    }
    if (!(config.dropout >= 0.0 && config.dropout < 1.0)) fail("dropout must be in [0, 1)");
    if (config.loss != LossKind::kCrossEntropy && config.loss != LossKind::kMse) {
        fail("loss must be resolved to cross_entropy or mse");
    }
}

// C = A * B^T (+ beta C): the forward product of a [rows][in] input with W stored [out][in].
void gemm_nt(size_t m, size_t n, size_t k, const float* a, const float* b, float beta, float* c) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<blasint>(m),
                static_cast<blasint>(n), static_cast<blasint>(k), 1.0f, a,
                static_cast<blasint>(k), b, static_cast<blasint>(k), beta, c,
                static_cast<blasint>(n));
}

// C[m][n] (+)= A^T * B with A [k][m], B [k][n]: weight gradients, dY^T X.
void gemm_tn(size_t m, size_t n, size_t k, const float* a, const float* b, float beta, float* c) {
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, static_cast<blasint>(m),
                static_cast<blasint>(n), static_cast<blasint>(k), 1.0f, a,
                static_cast<blasint>(m), b, static_cast<blasint>(n), beta, c,
                static_cast<blasint>(n));
}

// C[m][n] = A * B with A [m][k], B [k][n]: input gradients, dY W.
void gemm_nn(size_t m, size_t n, size_t k, const float* a, const float* b, float beta, float* c) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<blasint>(m),
                static_cast<blasint>(n), static_cast<blasint>(k), 1.0f, a,
                static_cast<blasint>(k), b, static_cast<blasint>(n), beta, c,
                static_cast<blasint>(n));
}

}  // namespace

CpuMlp::CpuMlp(const MlpConfig& config) : config_(config) {
    check_config(config_);
    layout_ = parameter_layout(config_);
    parameter_count_ = slipway::parameter_count(config_);
    for (int width : config_.hidden) widest_hidden_ = std::max(widest_hidden_, width);
    keep_derivative_ = config_.activation != Activation::kRelu;
    dropout_threshold_ = dropout_threshold(config_.dropout);
    dropout_scale_ = dropout_threshold_ ? static_cast<float>(1.0 / (1.0 - config_.dropout))
                                        : 1.0f;
    parameters_.resize(parameter_count_);
    gradients_.resize(parameter_count_ + kStatSlots);
    std::fill_n(parameters_.data(), parameters_.size(), 0.0f);
    std::fill_n(gradients_.data(), gradients_.size(), 0.0f);
    hidden_.resize(config_.hidden.size());
    deriv_.resize(keep_derivative_ ? config_.hidden.size() : 0);
}

void CpuMlp::reserve_rows(size_t rows) {
    if (rows <= capacity_rows_) return;
    for (size_t l = 0; l < hidden_.size(); ++l) {
        const size_t size = rows * static_cast<size_t>(config_.hidden[l]);
        hidden_[l].resize(size);
        if (keep_derivative_) deriv_[l].resize(size);
    }
    outputs_.resize(rows * static_cast<size_t>(config_.outputs));
    grad_a_.resize(rows * static_cast<size_t>(widest_hidden_));
    grad_b_.resize(rows * static_cast<size_t>(widest_hidden_));
    capacity_rows_ = rows;
}

void CpuMlp::forward(const float* x, size_t rows, float* out, const DropoutKey* dropout,
                     const uint32_t* sample_ids) {
    const float* params = parameters_.data();
    const float* input = x;
    for (size_t l = 0; l < hidden_.size(); ++l) {
        const LayerSlot& slot = layout_[l];
        float* h = hidden_[l].data();
        gemm_nt(rows, slot.out, slot.in, input, params + slot.weight_offset, 0.0f, h);
        DropoutPlan plan;
        float* deriv = nullptr;
        if (dropout) {
            if (dropout_threshold_) {
                plan = {sample_ids, dropout->seed, dropout->epoch, l, dropout_threshold_,
                        dropout_scale_};
            }
            if (keep_derivative_) deriv = deriv_[l].data();
        }
        bias_activation_forward(h, deriv, rows, slot.out, params + slot.bias_offset,
                                config_.activation, plan);
        input = h;
    }
    const LayerSlot& last = layout_.back();
    gemm_nt(rows, last.out, last.in, input, params + last.weight_offset, 0.0f, out);
    bias_forward(out, rows, last.out, params + last.bias_offset);
}

void CpuMlp::backward(const float* x, size_t rows, float* output_grad) {
    const float* params = parameters_.data();
    float* grads = gradients_.data();
    float* grad = output_grad;
    for (size_t l = layout_.size(); l-- > 0;) {
        const LayerSlot& slot = layout_[l];
        const float* input = l == 0 ? x : hidden_[l - 1].data();
        // beta = 1: micro-batches accumulate into the same gradient buffer.
        gemm_tn(slot.out, slot.in, rows, grad, input, 1.0f, grads + slot.weight_offset);
        column_sums_accumulate(grad, rows, slot.out, grads + slot.bias_offset);
        if (l == 0) break;  // nothing consumes the gradient of the input itself
        float* input_grad = grad == grad_a_.data() ? grad_b_.data() : grad_a_.data();
        gemm_nn(rows, slot.in, slot.out, grad, params + slot.weight_offset, 0.0f, input_grad);
        const size_t count = rows * static_cast<size_t>(slot.in);
        if (keep_derivative_) {
            derivative_backward(input_grad, deriv_[l - 1].data(), count);
        } else {
            relu_backward(input_grad, hidden_[l - 1].data(), count, dropout_scale_);
        }
        grad = input_grad;
    }
}

LossSums CpuMlp::loss(float* outputs, const Batch& batch, size_t first_row, size_t rows,
                      const float* grad_scale) {
    if (config_.loss == LossKind::kCrossEntropy) {
        return softmax_cross_entropy(outputs, rows, config_.outputs, batch.labels + first_row,
                                     grad_scale);
    }
    return mean_squared_error(outputs, rows, config_.outputs,
                              batch.targets + first_row * static_cast<size_t>(config_.outputs),
                              grad_scale);
}

void CpuMlp::check_batch(const Batch& batch) const {
    if (batch.rows == 0) return;
    if (!batch.x) throw std::invalid_argument("cpu model: batch without inputs");
    if (config_.loss == LossKind::kCrossEntropy && !batch.labels) {
        throw std::invalid_argument("cpu model: cross-entropy batch without labels");
    }
    if (config_.loss == LossKind::kMse && !batch.targets) {
        throw std::invalid_argument("cpu model: mse batch without targets");
    }
}

void CpuMlp::zero_gradients() { std::fill_n(gradients_.data(), gradients_.size(), 0.0f); }

void CpuMlp::accumulate_gradients(const Batch& batch, float grad_scale, const DropoutKey& key) {
    check_batch(batch);
    if (batch.rows == 0) return;
    if (dropout_threshold_ && !batch.sample_ids) {
        // Row indices would silently give different masks on different ranks.
        throw std::invalid_argument("cpu model: dropout needs the batch's sample ids");
    }
    reserve_rows(batch.rows);
    forward(batch.x, batch.rows, outputs_.data(), &key, batch.sample_ids);
    const LossSums sums = loss(outputs_.data(), batch, 0, batch.rows, &grad_scale);
    backward(batch.x, batch.rows, outputs_.data());
    float* stats = gradients_.data() + parameter_count_;
    stats[0] += static_cast<float>(sums.loss_sum);
    stats[1] += static_cast<float>(sums.correct);
    stats[2] += static_cast<float>(batch.rows);
}

void CpuMlp::set_stop_vote(bool stop) {
    gradients_.data()[parameter_count_ + 3] = stop ? 1.0f : 0.0f;
}

StepStats CpuMlp::read_step_stats() const {
    const float* stats = gradients_.data() + parameter_count_;
    return {stats[0], stats[1], stats[2], stats[3]};
}

StepStats CpuMlp::evaluate(const Batch& batch) {
    check_batch(batch);
    StepStats stats;
    const size_t inputs = static_cast<size_t>(config_.inputs);
    for (size_t first = 0; first < batch.rows; first += kInferenceChunk) {
        const size_t rows = std::min(kInferenceChunk, batch.rows - first);
        reserve_rows(rows);
        forward(batch.x + first * inputs, rows, outputs_.data(), nullptr, nullptr);
        const LossSums sums = loss(outputs_.data(), batch, first, rows, nullptr);
        stats.loss_sum += sums.loss_sum;
        stats.correct += sums.correct;
    }
    stats.samples = static_cast<double>(batch.rows);
    return stats;
}

void CpuMlp::predict(const float* x, size_t rows, float* out) {
    const size_t inputs = static_cast<size_t>(config_.inputs);
    const size_t outputs = static_cast<size_t>(config_.outputs);
    for (size_t first = 0; first < rows; first += kInferenceChunk) {
        const size_t chunk = std::min(kInferenceChunk, rows - first);
        reserve_rows(chunk);
        forward(x + first * inputs, chunk, out + first * outputs, nullptr, nullptr);
    }
}

void CpuMlp::load_parameters(std::span<const float> host) {
    if (host.size() != parameter_count_) {
        throw std::invalid_argument("load_parameters: got " + std::to_string(host.size()) +
                                    " floats, model has " + std::to_string(parameter_count_));
    }
    std::copy(host.begin(), host.end(), parameters_.data());
}

void CpuMlp::store_parameters(std::span<float> host) const {
    if (host.size() != parameter_count_) {
        throw std::invalid_argument("store_parameters: got " + std::to_string(host.size()) +
                                    " floats, model has " + std::to_string(parameter_count_));
    }
    std::copy_n(parameters_.data(), parameter_count_, host.begin());
}

}  // namespace slipway::cpu

namespace slipway {

std::unique_ptr<Model> make_cpu_model(const MlpConfig& config) {
    return std::make_unique<cpu::CpuMlp>(config);
}

}  // namespace slipway
