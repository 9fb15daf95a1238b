#pragma once

#include <sys/types.h>

#include <vector>

namespace slipway::launch {

// The live direct children of `parent`, from /proc. Open MPI's mpirun starts each rank in a
// process group of its own, so a signal for the ranks has to name them.
std::vector<pid_t> child_processes(pid_t parent);

// Sends a stop signal (SIGTERM, SIGINT) to the ranks under mpirun `mpirun_pid`, not to mpirun:
// signalled itself, Open MPI 4.1's mpirun stops relaying the ranks' output and tears the job
// down on its own schedule. SIGKILL goes to the ranks' groups and to mpirun's. With no ranks
// yet (mpirun still starting) the signal goes to mpirun. Never throws.
void signal_mpi_ranks(pid_t mpirun_pid, int signal) noexcept;

}  // namespace slipway::launch
