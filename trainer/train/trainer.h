#pragma once

#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "comm/communicator.h"
#include "data/dataset.h"
#include "metrics/training_observer.h"
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

// Where training stands: `step` optimizer steps done; `position` permutation positions of
// `epoch` already trained (a global sample index, independent of the world size).
struct TrainingPosition {
    int64_t step = 0;
    int64_t epoch = 0;
    int64_t position = 0;
};

struct Evaluation {
    int64_t epoch = 0;  // epochs completed when it ran; 0: none yet
    double loss = NAN;
    double accuracy = NAN;
};

// How a run ended: finished, or stopped on SIGTERM/SIGINT after a checkpoint.
struct TrainingOutcome {
    nlohmann::json summary;
    bool stopped = false;
    bool checkpoint_failed = false;
};

// The data-parallel training loop. Each optimizer step: every rank computes the gradient of
// its slice of the global batch (in `accumulate` micro-batches), scaled by 1 / global batch,
// so one allreduce-sum of the flat gradient buffer (which also carries the loss statistics
// and the stop vote) yields the global mean gradient; then every rank applies the same
// update. The loop talks to the model, optimizer and communicator only through their
// interfaces.
class Trainer {
public:
    Trainer(const JobSpec& spec, const Dataset& data, Communicator& comm, Model& model,
            Optimizer& optimizer, TrainingObserver& observer, RunContext context);

    // Rank 0 initialises the parameters from the seed and broadcasts them.
    void initialize_parameters();

    // Continue from a checkpoint: parameters and optimizer state are already loaded.
    void resume_at(const TrainingPosition& position, const Evaluation& last_evaluation);

    // Trains until every epoch (or train.max_steps) is done or a stop is voted, writing
    // checkpoints (rank 0) as checkpoint.every_steps says, at the end and on a stop.
    TrainingOutcome run();

private:
    struct Window {  // sums since the last progress line
        double loss = 0, correct = 0, samples = 0, seconds = 0;
    };

    StepStats train_step(const std::vector<uint32_t>& permutation, int64_t step_in_epoch,
                         const class BatchPlan& plan, double lr);
    Evaluation evaluate_test(int64_t epochs_done);
    void gather_rows(const std::vector<uint32_t>& permutation, size_t begin, size_t end);
    void log_progress(int64_t step_in_epoch, int64_t steps_per_epoch, int64_t total_steps,
                      const Window& window, double lr, double grad_norm);
    bool save_checkpoint(const char* reason);
    nlohmann::json summary(double trained_samples, double final_train_loss, double lr);

    const JobSpec& spec_;
    const Dataset& data_;
    Communicator& comm_;
    Model& model_;
    Optimizer& optimizer_;
    TrainingObserver& observer_;  // the metrics log and the trackers (rank 0)
    RunContext context_;

    TrainingPosition position_;
    Evaluation last_eval_;
    double train_seconds_ = 0;  // time inside optimizer steps only
    int64_t step_count_ = 0;    // steps this process ran (ETA base; excludes resumed ones)
    double last_grad_norm_ = 0;
    bool warned_non_finite_ = false;

    // Host staging for this rank's slice of a micro-batch, reused across steps.
    std::vector<float> batch_x_;
    std::vector<int32_t> batch_labels_;
    std::vector<float> batch_targets_;
    std::vector<uint32_t> batch_ids_;
};

}  // namespace slipway
