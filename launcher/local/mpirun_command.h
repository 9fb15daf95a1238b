#pragma once

#include <map>
#include <string>
#include <vector>

namespace slipway::launch {

// What `slipway-launch run` needs to know about this machine and the job to build mpirun's
// command line; a plain value so tests can ask for any machine.
struct LocalRunPlan {
    int ranks = 1;
    int cores = 1;             // CPUs this process may use
    bool root = false;         // Open MPI refuses root without two variables
    std::string mpirun = "mpirun";
    std::vector<std::string> trainer_argv;  // slipway-train SPEC --set ... [extra args]
    std::string exit_status_dir;            // SLIPWAY_EXIT_STATUS_DIR for the ranks
};

struct LocalCommand {
    std::vector<std::string> argv;
    std::map<std::string, std::string> env;  // added to this process's environment
};

// mpirun with the flags a one-host run wants: -np, --oversubscribe only when ranks exceed
// cores, shared-memory transports only (no network probing: starts fast), BLAS threads per
// rank, a short odls_base_sigkill_timeout (see the .cc), and the root variables only when
// root.
LocalCommand mpirun_command(const LocalRunPlan& plan);

// BLAS threads per rank on this host: the cores shared by the ranks, at least one.
int threads_per_rank(int cores, int ranks);

}  // namespace slipway::launch
