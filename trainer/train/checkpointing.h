#pragma once

#include "checkpoint/checkpoint.h"
#include "comm/communicator.h"
#include "common/status.h"
#include "data/dataset.h"
#include "model/model.h"
#include "optim/optimizer.h"
#include "spec/job_spec.h"
#include "train/trainer.h"

namespace slipway {

// The state a checkpoint holds, gathered from the running job (host copies).
CheckpointState snapshot(const JobSpec& spec, const Dataset& data, const Model& model,
                         const Optimizer& optimizer, const TrainingPosition& position,
                         const Evaluation& last_eval, int world_size);

struct ResumePoint {
    bool resumed = false;
    TrainingPosition position;
    Evaluation last_eval;
};

// Rank 0 looks for the newest valid checkpoint in the spec's checkpoint directory (torn or
// foreign files are skipped with a warning) and checks it against the spec: a different
// model signature or optimizer is an Error with kBadCheckpoint (exit 4) naming both, on every
// rank; a changed learning rate, epoch count, world size or global batch is logged and
// allowed. The parameters and optimizer state then travel from rank 0 to every rank, so only
// rank 0 needs to see the checkpoint volume.
Result<ResumePoint> resume_from_checkpoint(const JobSpec& spec, Communicator& comm,
                                           Model& model, Optimizer& optimizer);

}  // namespace slipway
