#pragma once

// Internal to trainer/checkpoint: the names and constants of the on-disk format (the layout is
// documented in checkpoint.h), shared by the writer, the reader and the directory code.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checkpoint/checkpoint.h"
#include "common/status.h"
#include "optim/optimizer.h"

namespace slipway::checkpoint_format {

inline constexpr char kFormatName[] = "slipway-checkpoint";
inline constexpr int32_t kFormatVersion = 1;

// An Error with code kBadCheckpoint (exit 4), like spec_error and data_error.
inline Error checkpoint_error(std::string where, std::string what, std::string hint = {}) {
    return Error{ExitCode::kBadCheckpoint, std::move(what), std::move(where), std::move(hint)};
}

// CRC-32 (zlib's) of the parameters' bytes, then of each optimizer buffer's bytes in order.
uint32_t state_checksum(const std::vector<float>& parameters,
                        const std::vector<OptimizerState>& optimizer);

// "ckpt-0000000042.h5"
std::string checkpoint_name(int64_t step);
// The step in a checkpoint file name: exactly "ckpt-" digits ".h5", else nothing.
std::optional<uint64_t> parse_checkpoint_name(std::string_view name);

// ".ckpt-42.h5.tmp-1234": the dot hides it from `ls` and from parse_checkpoint_name.
std::string temp_name(int64_t step, long pid);
// The writer's pid in a temporary file name: exactly ".ckpt-" digits ".h5.tmp-" digits.
std::optional<long> parse_temp_name(std::string_view name);

// A name that can be a link under /optimizer: not empty, no '/', not "." or "..".
bool valid_buffer_name(const std::string& name);

// A resolved model: positive sizes, dropout in [0, 1), loss and init not auto. Checked before
// parameter_count() of a model read from a file is trusted.
Status check_model(const MlpConfig& model, const std::string& where);

// The invariants of a checkpoint, checked by the writer before it writes anything (so a bad
// state never reaches the disk) and by the reader after it read every field: counters not
// negative, a resolved model, known names, every buffer sized to the model. Errors are
// kBadCheckpoint located at `where`.
Status check_state(const CheckpointState& state, const std::string& where);

}  // namespace slipway::checkpoint_format
