#pragma once

// Checkpoints (DESIGN.md "Checkpoints"): one HDF5 file per checkpoint, `ckpt-<step, 10
// digits>.h5`, written as `.ckpt-<step>.h5.tmp-<pid>` in the same directory and renamed.
//
// File layout, format_version 1 (scalars are scalar attributes; names as the YAML spells them):
//   bytes 0-511       an HDF5 userblock holding the seal, one line then NULs:
//                     "slipway-checkpoint 1 size=<file bytes> crc32=<8 hex digits>\n", the
//                     CRC-32 of every byte after the userblock. Checked before HDF5 parses
//                     anything, because HDF5 can crash on damaged metadata (checkpoint/seal.h).
//   /                 attrs  format = "slipway-checkpoint" (string), format_version (int32),
//                            step, epoch, position, global_batch, optimizer_steps,
//                            eval_epoch (int64), world_size, num_classes (int32), seed (uint64),
//                            learning_rate, test_loss, test_accuracy (float64, NaN = none),
//                            standardize (uint8 0/1), optimizer_name ("sgd" | "adamw"),
//                            model_signature (model_signature(model)), created (UTC ISO-8601,
//                            informational), checksum (uint32: CRC-32 of the bytes of
//                            /parameters, then of each optimizer buffer in `buffers` order)
//   /parameters       float32 [P], P = parameter_count(model), parameter_layout order
//   /model            attrs  inputs, outputs (int32), hidden (int32 [H]), activation, dropout
//                            (float64), loss ("cross_entropy" | "mse"), init ("he" | "xavier")
//   /model/layer_shapes  int32 [H + 1, 2]: (out, in) of each layer, so a reader sees shapes
//   /optimizer        attr   buffers (string [B]): the state buffers' names, in order
//   /optimizer/<name> float32 [P] for each name in `buffers`
//   /spec             variable-length string dataset: the job spec text
//   /data             attrs  class_names (string [C]), feature_mean, feature_std (float32 [F])
// Empty vectors are stored as zero-length attributes, never left out.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/mlp_config.h"
#include "optim/optimizer.h"

namespace slipway {

// Everything needed to resume training exactly, or to export the model without the spec or
// the data (DESIGN.md "Checkpoints").
struct CheckpointState {
    // Where training stands. `position` is a global sample index into the epoch's
    // permutation: the next sample to train on. Resuming on another world size at the same
    // global batch therefore continues at the same sample.
    int64_t step = 0;       // optimizer steps completed
    int64_t epoch = 0;      // 0-based epoch the position refers to
    int64_t position = 0;   // permutation positions of `epoch` already trained
    int64_t global_batch = 0;
    int world_size = 0;     // informational: the writer's world size
    // RNG state: every random stream (init, permutation, dropout) is a pure function of
    // (seed, epoch, sample index), so the seed is the whole state.
    uint64_t seed = 0;

    MlpConfig model;        // architecture; model_signature(model) is compared on resume
    std::vector<float> parameters;

    std::string optimizer_name;            // "sgd" | "adamw"
    int64_t optimizer_steps = 0;
    std::vector<OptimizerState> optimizer; // named buffers, each parameters.size() floats
    double learning_rate = 0;              // last base learning rate of the writer's spec

    std::string spec_text;                 // the job spec as the run used it (--set applied)

    // The dataset's attributes, so export needs nothing else.
    int num_classes = 0;
    std::vector<std::string> class_names;
    std::vector<float> feature_mean;
    std::vector<float> feature_std;
    bool standardize = false;              // the model expects standardised inputs

    // The last evaluation (NaN when none ran yet).
    int64_t eval_epoch = 0;
    double test_loss = 0;
    double test_accuracy = 0;
};

// Writes `<dir>/ckpt-<step, 10 digits>.h5` through a temporary file in `dir` that is fsynced
// and renamed, so a kill at any moment leaves every earlier checkpoint whole; then deletes
// all but the newest `keep`. Creates `dir` if needed. Returns the path written.
// A CRC-32 of the parameters and optimizer state is stored and checked on read.
Result<std::string> write_checkpoint(const std::string& dir, const CheckpointState& state,
                                     int keep);

// Reads and fully validates one checkpoint file (format marker, version, every field,
// sizes, checksum). Anything wrong is an Error with code kBadCheckpoint naming the file and
// the problem.
Result<CheckpointState> read_checkpoint(const std::string& path);

// `ckpt-*.h5` files in `dir`, newest (highest step) first; temporary files are ignored.
std::vector<std::string> list_checkpoints(const std::string& dir);

// The newest checkpoint in `dir` that reads cleanly. Files that do not (torn, truncated,
// random bytes, another program's HDF5) are passed to `skipped` with the reason and never
// loaded. nullopt when there is none (or `dir` does not exist).
using SkipReporter = std::function<void(const std::string& path, const Error& why)>;
std::optional<std::pair<std::string, CheckpointState>> load_newest_checkpoint(
    const std::string& dir, const SkipReporter& skipped);

}  // namespace slipway
