#pragma once

// Internal to trainer/checkpoint: the file-system side of writing checkpoints.

#include <string>

#include "common/status.h"

namespace slipway::checkpoint_format {

// fsync() of a directory, which makes a rename in it durable; a failure is an Error with code
// kBadCheckpoint naming `dir`.
Status sync_directory(const std::string& dir);

// Deletes every checkpoint in `dir` but the newest `keep` (at least one) and `written`, and the
// temporary files of other processes: a writer that was killed leaves its temporary behind,
// and only one process writes to a checkpoint directory. Best effort: a file that cannot be
// deleted is left (an extra file is harmless).
void prune_checkpoints(const std::string& dir, int keep, const std::string& written);

}  // namespace slipway::checkpoint_format
