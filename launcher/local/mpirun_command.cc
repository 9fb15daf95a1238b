#include "local/mpirun_command.h"

#include <algorithm>

namespace slipway::launch {

int threads_per_rank(int cores, int ranks) { return std::max(1, cores / std::max(1, ranks)); }

LocalCommand mpirun_command(const LocalRunPlan& plan) {
    LocalCommand command;
    std::vector<std::string>& argv = command.argv;
    argv = {plan.mpirun, "-np", std::to_string(plan.ranks)};
    if (plan.ranks > plan.cores) argv.push_back("--oversubscribe");
    // One host: shared memory and self only. Skipping the TCP/OpenFabrics/UCX probes saves
    // start-up time and the warnings they print on machines without such devices.
    argv.insert(argv.end(), {"--mca", "btl", "self,vader", "--mca", "pml", "ob1"});
    // When a rank fails, mpirun stops the others with SIGTERM and then SIGKILL after
    // odls_base_sigkill_timeout. Open MPI 4.1 sleeps that long per rank even when the ranks
    // are gone (measured: 1 s -> 1.2 s, 5 s -> 9.2 s, 10 s -> 19.1 s of teardown after both
    // ranks exited 143), so it stays short; the grace period for a checkpoint is given by
    // slipway-launch, which sends SIGTERM to the ranks itself and SIGKILL after the grace.
    argv.insert(argv.end(), {"--mca", "odls_base_sigkill_timeout", "1"});
    const int thread_count = threads_per_rank(plan.cores, plan.ranks);
    const std::string threads = std::to_string(thread_count);
    // Each rank gets as many cores as it runs BLAS threads; Open MPI's default (one core per
    // rank for 2 ranks or fewer) would squeeze them onto one. Oversubscribed: no binding.
    if (plan.ranks <= plan.cores) {
        argv.insert(argv.end(), {"--map-by", "slot:PE=" + threads, "--bind-to", "core"});
    } else {
        argv.insert(argv.end(), {"--bind-to", "none"});
    }
    argv.insert(argv.end(), {"-x", "OMP_NUM_THREADS=" + threads});
    argv.insert(argv.end(), {"-x", "OPENBLAS_NUM_THREADS=" + threads});
    if (!plan.exit_status_dir.empty()) {
        argv.insert(argv.end(), {"-x", "SLIPWAY_EXIT_STATUS_DIR=" + plan.exit_status_dir});
    }
    for (const std::string& arg : plan.trainer_argv) argv.push_back(arg);
    if (plan.root) {
        command.env.emplace("OMPI_ALLOW_RUN_AS_ROOT", std::string(1, '1'));
        command.env.emplace("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", std::string(1, '1'));
    }
    return command;
}

}  // namespace slipway::launch
