#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "comm/communicator.h"
#include "data/dataset.h"
#include "metrics/metrics_log.h"
#include "model/model.h"
#include "optim/optimizer.h"
#include "spec/job_spec.h"

namespace slipway {

// What the program knows about its surroundings, for logs and the summary.
struct RunContext {
    std::string blas;             // blas_description()
    std::string device = "cpu";
    int threads_per_rank = 1;
};

// The data-parallel training loop. Each optimizer step: every rank computes the gradient of
// its slice of the global batch (in `accumulate` micro-batches), scaled by 1 / global batch,
// so one allreduce-sum of the flat gradient buffer (which also carries the loss statistics)
// yields the global mean gradient; then every rank applies the same update. The loop talks to
// the model, optimizer and communicator only through their interfaces.
class Trainer {
public:
    Trainer(const JobSpec& spec, const Dataset& data, Communicator& comm, Model& model,
            Optimizer& optimizer, MetricsLog& metrics, RunContext context);

    // Rank 0 initialises the parameters from the seed and broadcasts them.
    void initialize_parameters();

    // Runs every epoch (or train.max_steps steps) and returns the summary (the same object
    // on every rank; rank 0 writes it).
    nlohmann::json run();

private:
    struct EvalResult {
        double loss = 0;
        double accuracy = 0;
        double samples = 0;
    };

    EvalResult evaluate_test();
    void gather_rows(const std::vector<uint32_t>& permutation, size_t begin, size_t end);
    void log_progress(int epoch, size_t step_in_epoch, size_t steps_per_epoch,
                      int64_t global_step, int64_t total_steps, double window_loss, double lr,
                      double samples_per_sec, double grad_norm, double seconds_elapsed);

    const JobSpec& spec_;
    const Dataset& data_;
    Communicator& comm_;
    Model& model_;
    Optimizer& optimizer_;
    MetricsLog& metrics_;
    RunContext context_;

    // Host staging for this rank's slice of a micro-batch, reused across steps.
    std::vector<float> batch_x_;
    std::vector<int32_t> batch_labels_;
    std::vector<float> batch_targets_;
    std::vector<uint32_t> batch_ids_;
};

}  // namespace slipway
