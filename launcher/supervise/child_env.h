#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/environment.h"
#include "common/status.h"
#include "supervise/child_spec.h"

namespace slipway::launch {

using slipway::EnvLookup;  // common/environment.h

inline constexpr int kDefaultMasterPort = 29500;

// `slipway-launch exec`'s flags that override the pod's environment.
struct ExecFlags {
    std::optional<int> nproc;      // --nproc: processes in this pod
    std::optional<int> node_rank;  // --node-rank: this pod's index among the job's pods
};

// Where this pod's processes sit in the job.
struct ExecLayout {
    int node_rank = 0;         // --node-rank, else JOB_COMPLETION_INDEX (Indexed Job), else 0
    int local_world_size = 1;  // --nproc, else LOCAL_WORLD_SIZE, else 1
    int world_size = 1;        // WORLD_SIZE; may be left out when this is the only pod
    std::string master_addr;   // MASTER_ADDR; 127.0.0.1 when this is the only pod
    int master_port = kDefaultMasterPort;  // MASTER_PORT
};

// Reads the layout from the pod's environment and the flags. Non-numbers, a pod index beyond
// the world (node_rank * local_world_size >= WORLD_SIZE), a WORLD_SIZE that is not a multiple
// of the processes per pod, and a multi-pod job without MASTER_ADDR are Errors with exit code
// 2 that name the variable or flag and say how to fix it.
Result<ExecLayout> exec_layout(const EnvLookup& env, const ExecFlags& flags);

// One child per local process, all running `command`, each with the torchrun-style variables
// slipway-train reads: RANK = node_rank * local_world_size + LOCAL_RANK, LOCAL_RANK,
// WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT. Nothing else is set per child (no
// CUDA_VISIBLE_DEVICES: the trainer picks its device from LOCAL_RANK); the rest of the
// environment passes through.
std::vector<ChildSpec> exec_children(const ExecLayout& layout,
                                     const std::vector<std::string>& command);

// `np` children on this machine (`slipway-launch run --no-mpi`): ranks 0..np-1, one node,
// MASTER_ADDR=127.0.0.1 and MASTER_PORT=`master_port` (see find_free_port).
std::vector<ChildSpec> local_children(int np, const std::vector<std::string>& command,
                                      int master_port);

// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's pick for port 0). Another
// process may take it before rank 0 binds it; rank 0 then fails with a clear error and a
// rerun picks another. Throws OsError when no socket can be had.
int find_free_port();

}  // namespace slipway::launch
