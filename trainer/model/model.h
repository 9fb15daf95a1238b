#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "model/mlp_config.h"

namespace slipway {

// A batch of samples in the backend's memory (host memory for the CPU backend).
struct Batch {
    const float* x = nullptr;             // rows x inputs, row-major
    size_t rows = 0;
    const int32_t* labels = nullptr;      // rows, for cross-entropy
    const float* targets = nullptr;       // rows x outputs, for MSE
    const uint32_t* sample_ids = nullptr; // global dataset index of each row: dropout keys
};

// Dropout masks are a pure function of (seed, epoch, sample id, layer, unit), so a sample
// gets the same mask whichever rank or micro-batch it lands in.
struct DropoutKey {
    uint64_t seed = 0;
    uint64_t epoch = 0;
};

// Sums over samples (not means): they add up across micro-batches and ranks.
// Per-sample losses: cross-entropy is log(sum_j exp(out_j)) - out_label (softmax over the
// outputs); MSE is sum_j (out_j - target_j)^2 / outputs, so loss_sum / samples equals
// PyTorch's MSELoss(reduction="mean") for any number of outputs. `correct` stays 0 for MSE.
struct StepStats {
    double loss_sum = 0;    // sum of per-sample losses
    double correct = 0;     // samples whose argmax equals the label (classification)
    double samples = 0;     // samples counted
    double stop_votes = 0;  // ranks asking to stop (travels with the gradients)
};

// Number of float slots after the gradients in the gradient buffer: loss_sum, correct,
// samples, stop_votes. The trainer allreduces parameter_count() + kStatSlots floats at once.
inline constexpr size_t kStatSlots = 4;

// The model as the training loop sees it. Backends (CPU now, CUDA later) implement it; the
// loop never touches BLAS, CUDA or the memory behind the pointers itself.
class Model {
public:
    virtual ~Model() = default;

    virtual const MlpConfig& config() const = 0;
    virtual size_t parameter_count() const = 0;

    // Flat parameters (layout: parameter_layout()) in backend memory.
    virtual float* parameters() = 0;
    // parameter_count() gradients, then kStatSlots statistics, in backend memory.
    virtual float* gradient_buffer() = 0;
    size_t gradient_buffer_size() const { return parameter_count() + kStatSlots; }

    // Zeros gradients and statistics.
    virtual void zero_gradients() = 0;

    // Forward and backward in training mode (dropout on): adds grad_scale * d(sum of the
    // batch's per-sample losses)/d(parameters) to the gradients and the batch's unscaled
    // statistics to the statistic slots. The trainer passes grad_scale = 1 / global batch.
    // With dropout > 0 the batch must carry sample_ids (std::invalid_argument otherwise).
    virtual void accumulate_gradients(const Batch& batch, float grad_scale,
                                      const DropoutKey& key) = 0;

    // Writes 1 or 0 into the stop_votes slot.
    virtual void set_stop_vote(bool stop) = 0;

    // The statistic slots (after the allreduce: sums over all ranks).
    virtual StepStats read_step_stats() const = 0;

    // Forward in inference mode (no dropout): the batch's loss sum, correct count and samples.
    virtual StepStats evaluate(const Batch& batch) = 0;

    // Forward in inference mode: rows x outputs logits (or regression outputs) into `out`
    // (host memory).
    virtual void predict(const float* x, size_t rows, float* out) = 0;

    // Host copies in and out of the parameters (broadcast, checkpoints, tests).
    virtual void load_parameters(std::span<const float> host) = 0;
    virtual void store_parameters(std::span<float> host) const = 0;
};

// The CPU backend: OpenBLAS sgemm plus fused elementwise loops.
std::unique_ptr<Model> make_cpu_model(const MlpConfig& config);

}  // namespace slipway
