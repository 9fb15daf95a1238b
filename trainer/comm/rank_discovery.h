#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/environment.h"
#include "common/status.h"

namespace slipway {

// Which launcher started this process, in DESIGN.md's order of precedence.
enum class LaunchSource { kMpi, kTorchrun, kIndexedJob, kSlurm, kSingle };

const char* to_string(LaunchSource source);

struct RankInfo {
    LaunchSource source = LaunchSource::kSingle;
    int rank = 0;
    int world_size = 1;       // 0 under an MPI launcher that did not say (PMIX_RANK only):
                              // the MPI communicator fills it in after MPI_Init.
    int local_rank = 0;
    int local_world_size = 1;
    std::string master_addr;  // torchrun-style and Indexed Job launches
    int master_port = 0;
    std::string evidence;     // the variables that decided, e.g. "RANK=1 WORLD_SIZE=2", for logs
};

// First match wins: MPI (OMPI_COMM_WORLD_*, PMI_*, PMIX_RANK), torchrun-style (RANK,
// WORLD_SIZE, ...), Kubernetes Indexed Job (JOB_COMPLETION_INDEX), Slurm (SLURM_PROCID), else
// one rank. Non-numbers, rank >= world size, a half-set pair, and world size > 1 without
// MASTER_ADDR/MASTER_PORT are Errors (exit 2) that quote what was found.
Result<RankInfo> discover_ranks(const EnvLookup& env);

}  // namespace slipway
