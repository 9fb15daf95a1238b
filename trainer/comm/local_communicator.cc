#include "comm/communicator.h"

namespace slipway {
namespace {

class LocalCommunicator final : public Communicator {
public:
    int rank() const override { return 0; }
    int size() const override { return 1; }
    int local_rank() const override { return 0; }
    int local_size() const override { return 1; }
    std::string name() const override { return "local"; }
    void allreduce_sum(float*, size_t) override {}
    void allreduce_sum(double*, size_t) override {}
    void broadcast(float*, size_t, int) override {}
    void broadcast(double*, size_t, int) override {}
    void barrier() override {}
    void abort(int) noexcept override {}
};

}  // namespace

std::unique_ptr<Communicator> make_local_communicator() {
    return std::make_unique<LocalCommunicator>();
}

Result<std::unique_ptr<Communicator>> make_communicator(const RankInfo& ranks,
                                                        double timeout_seconds) {
    switch (ranks.source) {
        case LaunchSource::kMpi:
        case LaunchSource::kSlurm:
            return make_mpi_communicator(ranks, timeout_seconds);
        case LaunchSource::kSingle:
            return make_local_communicator();
        case LaunchSource::kTorchrun:
        case LaunchSource::kIndexedJob:
            if (ranks.world_size == 1) return make_local_communicator();
            return spec_error("environment",
                              std::string(to_string(ranks.source)) + " launch of " +
                                  std::to_string(ranks.world_size) +
                                  " ranks without MPI: this build trains multi-rank jobs "
                                  "under mpirun or srun only (" + ranks.evidence + ")",
                              "start the ranks with mpirun -np N, or use slipway-launch run");
    }
    return make_local_communicator();
}

}  // namespace slipway
