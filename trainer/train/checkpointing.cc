#include "train/checkpointing.h"

#include <spdlog/spdlog.h>

#include "spec/job_spec.h"

namespace slipway {

CheckpointState snapshot(const JobSpec& spec, const Dataset& data, const Model& model,
                         const Optimizer& optimizer, const TrainingPosition& position,
                         const Evaluation& last_eval, int world_size) {
    CheckpointState state;
    state.step = position.step;
    state.epoch = position.epoch;
    state.position = position.position;
    state.global_batch = spec.train.global_batch;
    state.world_size = world_size;
    state.seed = spec.train.seed;
    state.model = model.config();
    state.parameters.resize(model.parameter_count());
    model.store_parameters(state.parameters);
    state.optimizer_name = to_string(spec.train.optimizer.kind);
    state.optimizer_steps = optimizer.steps_taken();
    state.optimizer = optimizer.save_state();
    state.learning_rate = spec.train.optimizer.lr;
    state.spec_text = spec.effective_text;
    state.num_classes = data.num_classes;
    state.class_names = data.class_names;
    state.feature_mean = data.feature_mean;
    state.feature_std = data.feature_std;
    state.standardize = spec.data.standardize;
    state.eval_epoch = last_eval.epoch;
    state.test_loss = last_eval.loss;
    state.test_accuracy = last_eval.accuracy;
    return state;
}

namespace {

// Header fields rank 0 broadcasts: what it decided, then where training stands.
enum HeaderSlot { kDecision, kStep, kEpoch, kPosition, kOptimizerSteps, kEvalEpoch, kEvalLoss,
                  kEvalAccuracy, kHeaderSlots };
enum Decision { kFresh = 0, kResume = 1, kRefuse = 2 };

// "momentum (269322 floats)", or "none", for messages about optimizer state.
std::string describe_state(const std::vector<OptimizerState>& state) {
    if (state.empty()) return "none";
    std::string text;
    for (const OptimizerState& buffer : state) {
        if (!text.empty()) text += ", ";
        text += buffer.name + " (" + std::to_string(buffer.values.size()) + " floats)";
    }
    return text;
}

bool same_shape(const std::vector<OptimizerState>& a, const std::vector<OptimizerState>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (a[i].name != b[i].name || a[i].values.size() != b[i].values.size()) return false;
    }
    return true;
}

// Rank 0: is `found` usable with this spec? Logs what changed and is allowed. `fresh_state` is
// what this spec's optimizer keeps: every rank broadcasts one buffer per entry of it, so a
// checkpoint with other buffers (momentum turned on or off since) must be refused here, or
// rank 0 would broadcast a different number of buffers than the others wait for.
Status check_compatible(const JobSpec& spec, const Model& model, const std::string& path,
                        const CheckpointState& found, int world_size,
                        const std::vector<OptimizerState>& fresh_state) {
    const std::string expected = model_signature(model.config());
    const std::string stored = model_signature(found.model);
    const std::string hint =
        "the spec's model changed since this checkpoint: restore the old model section, or "
        "point checkpoint.dir elsewhere (or set checkpoint.resume: false) to start afresh";
    if (stored != expected) {
        return Error{ExitCode::kBadCheckpoint,
                     "checkpoint holds model '" + stored + "' but the spec describes '" +
                         expected + "'",
                     path, hint};
    }
    const std::string optimizer = to_string(spec.train.optimizer.kind);
    if (found.optimizer_name != optimizer) {
        return Error{ExitCode::kBadCheckpoint,
                     "checkpoint holds " + found.optimizer_name +
                         " optimizer state but the spec asks for " + optimizer,
                     path, "keep train.optimizer.name, or start afresh in another checkpoint.dir"};
    }
    if (!same_shape(found.optimizer, fresh_state)) {
        return Error{ExitCode::kBadCheckpoint,
                     "checkpoint holds optimizer state " + describe_state(found.optimizer) +
                         " but the spec's optimizer keeps " + describe_state(fresh_state),
                     path,
                     "train.optimizer.momentum (or another optimizer setting) changed since this "
                     "checkpoint: restore it, or start afresh in another checkpoint.dir"};
    }
    if (found.position % spec.train.global_batch != 0) {
        return Error{ExitCode::kBadCheckpoint,
                     "checkpoint stopped at sample " + std::to_string(found.position) +
                         " of epoch " + std::to_string(found.epoch + 1) +
                         ", which is not a step boundary for train.global_batch = " +
                         std::to_string(spec.train.global_batch),
                     path, "resume with global_batch " + std::to_string(found.global_batch)};
    }
    if (found.learning_rate != spec.train.optimizer.lr) {
        spdlog::info("learning rate changed since the checkpoint: {} -> {}", found.learning_rate,
                     spec.train.optimizer.lr);
    }
    if (found.global_batch != spec.train.global_batch) {
        spdlog::info("global batch changed since the checkpoint: {} -> {}", found.global_batch,
                     spec.train.global_batch);
    }
    if (found.world_size != world_size) {
        spdlog::info("resuming a {}-rank checkpoint on {} rank(s)", found.world_size, world_size);
    }
    if (found.seed != spec.train.seed) {
        spdlog::warn("train.seed changed since the checkpoint ({} -> {}): the rest of the epoch "
                     "follows a different permutation",
                     found.seed, spec.train.seed);
    }
    return Status::success();
}

}  // namespace

Result<ResumePoint> resume_from_checkpoint(const JobSpec& spec, Communicator& comm, Model& model,
                                           Optimizer& optimizer) {
    double header[kHeaderSlots] = {};
    std::optional<std::pair<std::string, CheckpointState>> found;
    Error refusal;
    if (comm.rank() == 0 && !spec.checkpoint.resume) {
        const auto existing = list_checkpoints(spec.checkpoint_dir());
        if (!existing.empty()) {
            // Fresh checkpoints would interleave with the old run's, and a later resume would
            // pick whichever has the higher step.
            refusal = Error{ExitCode::kBadCheckpoint,
                            "checkpoint.resume is false but the folder holds " +
                                std::to_string(existing.size()) +
                                " checkpoint(s) of an earlier run, newest " + existing.front(),
                            spec.checkpoint_dir(),
                            "point checkpoint.dir at an empty folder, or delete the old "
                            "checkpoints, or set checkpoint.resume: true"};
            header[kDecision] = kRefuse;
        }
    }
    if (comm.rank() == 0 && spec.checkpoint.resume) {
        found = load_newest_checkpoint(spec.checkpoint_dir(),
                                       [](const std::string& path, const Error& why) {
                                           spdlog::warn("skipping checkpoint {}: {}", path,
                                                        why.message());
                                       });
        if (found) {
            const auto& [path, state] = *found;
            Status usable =
                check_compatible(spec, model, path, state, comm.size(), optimizer.save_state());
            if (!usable.ok()) {
                refusal = usable.error();
                header[kDecision] = kRefuse;
            } else {
                header[kDecision] = kResume;
                header[kStep] = static_cast<double>(state.step);
                header[kEpoch] = static_cast<double>(state.epoch);
                header[kPosition] = static_cast<double>(state.position);
                header[kOptimizerSteps] = static_cast<double>(state.optimizer_steps);
                header[kEvalEpoch] = static_cast<double>(state.eval_epoch);
                header[kEvalLoss] = state.test_loss;
                header[kEvalAccuracy] = state.test_accuracy;
            }
        }
    }
    comm.broadcast(header, kHeaderSlots, 0);

    const auto decision = static_cast<Decision>(static_cast<int>(header[kDecision]));
    if (decision == kRefuse) {
        if (comm.rank() == 0) return refusal;
        return Error{ExitCode::kBadCheckpoint,
                     "rank 0 refused the newest checkpoint in " + spec.checkpoint_dir(),
                     "environment", "rank 0's log says why"};
    }
    ResumePoint point;
    if (decision != kResume) return point;

    // Parameters and optimizer state from rank 0; the other ranks take sizes and names from
    // their own (identically built) optimizer.
    std::vector<float> parameters(model.parameter_count());
    std::vector<OptimizerState> state = optimizer.save_state();
    if (comm.rank() == 0) {
        parameters = found->second.parameters;
        state = found->second.optimizer;
    }
    comm.broadcast(parameters.data(), parameters.size(), 0);
    for (OptimizerState& buffer : state) comm.broadcast(buffer.values.data(), buffer.values.size(), 0);
    model.load_parameters(parameters);
    const auto optimizer_steps = static_cast<int64_t>(header[kOptimizerSteps]);
    if (!optimizer.load_state(state, optimizer_steps)) {
        return Error{ExitCode::kBadCheckpoint, "optimizer state does not fit the optimizer",
                     comm.rank() == 0 ? found->first : spec.checkpoint_dir(),
                     "start afresh in another checkpoint.dir"};
    }

    point.resumed = true;
    point.position.step = static_cast<int64_t>(header[kStep]);
    point.position.epoch = static_cast<int64_t>(header[kEpoch]);
    point.position.position = static_cast<int64_t>(header[kPosition]);
    point.last_eval.epoch = static_cast<int64_t>(header[kEvalEpoch]);
    point.last_eval.loss = header[kEvalLoss];
    point.last_eval.accuracy = header[kEvalAccuracy];
    if (comm.rank() == 0) {
        spdlog::info("resuming from {}: step {}, epoch {}, sample {} of the epoch",
                     found->first, point.position.step, point.position.epoch + 1,
                     point.position.position);
    }
    return point;
}

}  // namespace slipway
