#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/exit_status_file.h"

namespace slipway::launch {

// The job's exit code and who caused it, from what each rank reported and what the process
// that ran them (mpirun or the supervisor) returned.
struct JobOutcome {
    int code = 0;
    std::optional<int> culprit_rank;
    std::string summary;  // one line for people: "rank 1 exited with 3 (bad or missing data)"
};

// The rules, in order: a rank's own failure (a code other than 10 and 143) wins, the earliest
// one first; then ranks that never reported (killed by a signal: `launcher_code` is the only
// word on them); then a lost peer (10); then 143 when every rank that stopped did so after
// a checkpoint; else 0. `interrupted` says the run itself got SIGTERM or SIGINT.
JobOutcome job_outcome(const std::vector<RankExit>& reported, int world_size, int launcher_code,
                       bool interrupted);

}  // namespace slipway::launch
