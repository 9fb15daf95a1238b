#pragma once

#include <cstddef>
#include <vector>

#include "model/cpu/aligned_buffer.h"
#include "model/cpu/kernels.h"
#include "model/model.h"

namespace slipway::cpu {

// The MLP on the host: cblas_sgemm for every matrix product, the elementwise work fused into
// one pass per layer (model/cpu/kernels.h). Workspace lives across calls and only grows.
class CpuMlp final : public Model {
public:
    explicit CpuMlp(const MlpConfig& config);

    const MlpConfig& config() const override { return config_; }
    size_t parameter_count() const override { return parameter_count_; }
    float* parameters() override { return parameters_.data(); }
    float* gradient_buffer() override { return gradients_.data(); }

    void zero_gradients() override;
    void accumulate_gradients(const Batch& batch, float grad_scale,
                              const DropoutKey& key) override;
    void set_stop_vote(bool stop) override;
    StepStats read_step_stats() const override;
    StepStats evaluate(const Batch& batch) override;
    void predict(const float* x, size_t rows, float* out) override;
    void load_parameters(std::span<const float> host) override;
    void store_parameters(std::span<float> host) const override;

private:
    // Inference works through big inputs in chunks so the workspace stays small.
    static constexpr size_t kInferenceChunk = 512;

    void reserve_rows(size_t rows);
    // Forward of `rows` rows of `x`; the last layer's outputs go to `out`. With `dropout`
    // (training) hidden layers apply their masks and keep what backward needs.
    void forward(const float* x, size_t rows, float* out, const DropoutKey* dropout,
                 const uint32_t* sample_ids);
    void backward(const float* x, size_t rows, float* output_grad);
    LossSums loss(float* outputs, const Batch& batch, size_t first_row, size_t rows,
                  const float* grad_scale);
    void check_batch(const Batch& batch) const;

    MlpConfig config_;
    std::vector<LayerSlot> layout_;
    size_t parameter_count_ = 0;
    int widest_hidden_ = 0;  // sizes the backward ping-pong buffers
    bool keep_derivative_ = false;  // tanh and gelu store act' (relu reads its output)
    uint32_t dropout_threshold_ = 0;
    float dropout_scale_ = 1.0f;

    AlignedBuffer parameters_;
    AlignedBuffer gradients_;  // parameter_count_ gradients, then kStatSlots statistics

    size_t capacity_rows_ = 0;
    std::vector<AlignedBuffer> hidden_;  // per hidden layer: output after dropout
    std::vector<AlignedBuffer> deriv_;   // per hidden layer: act' * mask * scale (tanh, gelu)
    AlignedBuffer outputs_;              // output layer, overwritten by its gradient
    AlignedBuffer grad_a_;               // ping-pong gradients of hidden layers
    AlignedBuffer grad_b_;
};

}  // namespace slipway::cpu
