#include "comm/communicator.h"

namespace slipway {

const char* to_string(CommChoice choice) {
    switch (choice) {
        case CommChoice::kAuto: return "auto";
        case CommChoice::kMpi: return "mpi";
        case CommChoice::kGloo: return "gloo";
    }
    return "auto";
}

Result<std::unique_ptr<Communicator>> make_communicator(const RankInfo& ranks,
                                                        const CommOptions& options) {
    const bool mpi_launch =
        ranks.source == LaunchSource::kMpi || ranks.source == LaunchSource::kSlurm;
    switch (options.choice) {
        case CommChoice::kMpi:
            if (!mpi_launch) {
                return spec_error("--comm mpi",
                                  "no MPI launcher started this process (" + ranks.evidence + ")",
                                  "start it with mpirun or srun, or use --comm gloo/auto");
            }
            return make_mpi_communicator(ranks, options.collective_timeout);
        case CommChoice::kGloo:
            if (ranks.world_size == 1) return make_local_communicator();
            if (ranks.world_size < 1) {
                return spec_error("--comm gloo",
                                  "the launcher did not say the world size (" + ranks.evidence +
                                      ")",
                                  "set WORLD_SIZE, or use --comm mpi");
            }
            return make_gloo_communicator(ranks, options);
        case CommChoice::kAuto:
            break;
    }
    if (mpi_launch) return make_mpi_communicator(ranks, options.collective_timeout);
    if (ranks.world_size == 1) return make_local_communicator();
    return make_gloo_communicator(ranks, options);
}

}  // namespace slipway
