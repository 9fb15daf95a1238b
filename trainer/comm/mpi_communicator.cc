#include <mpi.h>
#include <sched.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <spdlog/spdlog.h>

#include "comm/communicator.h"
#include "common/system_error.h"

// Every MPI call goes through this: a failure becomes an MpiError naming the call and line.
#define SLIPWAY_MPI_CHECK(call)                                                      \
    do {                                                                             \
        int slipway_mpi_rc_ = (call);                                                \
        if (slipway_mpi_rc_ != MPI_SUCCESS) {                                        \
            throw ::slipway::MpiError(#call, mpi_error_text(slipway_mpi_rc_), __FILE__, \
                                      __LINE__);                                     \
        }                                                                            \
    } while (0)

namespace slipway {
namespace {

std::string mpi_error_text(int code) {
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) return "MPI error " + std::to_string(code);
    return std::string(text, length);
}

class MpiCommunicator final : public Communicator {
public:
    MpiCommunicator(int rank, int size, int local_rank, int local_size, double timeout_seconds)
        : rank_(rank),
          size_(size),
          local_rank_(local_rank),
          local_size_(local_size),
          timeout_(timeout_seconds) {}

    ~MpiCommunicator() override {
        // MPI_Finalize synchronises with every peer: after a lost or hung peer it would block
        // forever, so a communicator that saw a failure leaves without it.
        if (failed_) return;
        int finalized = 0;
        MPI_Finalized(&finalized);
        if (!finalized) MPI_Finalize();
    }

    void abort(int exit_code, const std::string&) noexcept override {
        failed_ = true;
        if (size_ > 1) MPI_Abort(MPI_COMM_WORLD, exit_code);
    }

    int rank() const override { return rank_; }
    int size() const override { return size_; }
    int local_rank() const override { return local_rank_; }
    int local_size() const override { return local_size_; }
    std::string name() const override { return "mpi"; }

    void allreduce_sum(float* data, size_t count) override {
        reduce(data, count, MPI_FLOAT, "MPI_Iallreduce(float)");
    }
    void allreduce_sum(double* data, size_t count) override {
        reduce(data, count, MPI_DOUBLE, "MPI_Iallreduce(double)");
    }

    void broadcast(float* data, size_t count, int root) override {
        share(data, count, MPI_FLOAT, root, "MPI_Ibcast(float)");
    }
    void broadcast(double* data, size_t count, int root) override {
        share(data, count, MPI_DOUBLE, root, "MPI_Ibcast(double)");
    }

    void barrier() override {
        MPI_Request request;
        SLIPWAY_MPI_CHECK(MPI_Ibarrier(MPI_COMM_WORLD, &request));
        wait(request, "MPI_Ibarrier");
    }

private:
    void share(void* data, size_t count, MPI_Datatype type, int root, const char* call) {
        if (size_ == 1) return;
        MPI_Request request;
        SLIPWAY_MPI_CHECK(
            MPI_Ibcast(data, checked_count(count), type, root, MPI_COMM_WORLD, &request));
        wait(request, call);
    }

    void reduce(void* data, size_t count, MPI_Datatype type, const char* call) {
        if (size_ == 1) return;
        MPI_Request request;
        SLIPWAY_MPI_CHECK(MPI_Iallreduce(MPI_IN_PLACE, data, checked_count(count), type, MPI_SUM,
                                         MPI_COMM_WORLD, &request));
        wait(request, call);
    }

    static int checked_count(size_t count) {
        if (count > static_cast<size_t>(INT32_MAX)) {
            throw MpiError("collective", "buffer of " + std::to_string(count) +
                                             " elements exceeds MPI's int count",
                           __FILE__, __LINE__);
        }
        return static_cast<int>(count);
    }

    // Polls the request against the deadline. Yielding between polls matters when ranks
    // outnumber cores: a spinning rank would steal the core a slower peer needs to arrive.
    void wait(MPI_Request& request, const char* call) {
        using Clock = std::chrono::steady_clock;
        const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_);
        int done = 0;
        for (unsigned polls = 0;; ++polls) {
            int rc = MPI_Test(&request, &done, MPI_STATUS_IGNORE);
            if (rc != MPI_SUCCESS) {
                failed_ = true;
                throw MpiError(call, mpi_error_text(rc), __FILE__, __LINE__);
            }
            if (done) return;
            if ((polls & 63u) == 0 && Clock::now() > deadline) {
                failed_ = true;
                char seconds[32];
                std::snprintf(seconds, sizeof(seconds), "%g", timeout_);
                throw PeerFailure(call,
                                  std::string("a peer did not answer within "
                                              "train.collective_timeout = ") +
                                      seconds + " s (hung, overloaded or lost)",
                                  __FILE__, __LINE__);
            }
            sched_yield();
        }
    }

    int rank_;
    int size_;
    int local_rank_;
    int local_size_;
    double timeout_;
    bool failed_ = false;
};

}  // namespace

Result<std::unique_ptr<Communicator>> make_mpi_communicator(const RankInfo& expected,
                                                            double timeout_seconds) {
    int initialized = 0;
    SLIPWAY_MPI_CHECK(MPI_Initialized(&initialized));
    if (!initialized) {
        // Open MPI 4.1's non-blocking allreduce (coll/libnbc) picks a binomial reduce +
        // broadcast for 2-3 ranks and for in-place calls: 0.1-0.6 of MPI_Allreduce's
        // bandwidth here. Its reduce-scatter + allgather (algorithm 3) reaches 0.83-1.17
        // (docs/benchmarks-allreduce.md). Set before MPI_Init, only when the user has not.
        ::setenv("OMPI_MCA_coll_libnbc_iallreduce_algorithm", "3", /*overwrite=*/0);
        // FUNNELED: OpenBLAS runs threads of its own, but only the main thread calls MPI.
        int provided = 0;
        SLIPWAY_MPI_CHECK(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided));
    }
    // Errors come back as codes (and become MpiError) instead of aborting the job silently.
    SLIPWAY_MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));

    int rank = 0;
    int size = 0;
    SLIPWAY_MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    SLIPWAY_MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size));

    MPI_Comm node_comm;
    SLIPWAY_MPI_CHECK(
        MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node_comm));
    int local_rank = 0;
    int local_size = 0;
    SLIPWAY_MPI_CHECK(MPI_Comm_rank(node_comm, &local_rank));
    SLIPWAY_MPI_CHECK(MPI_Comm_size(node_comm, &local_size));
    SLIPWAY_MPI_CHECK(MPI_Comm_free(&node_comm));

    auto communicator = std::make_unique<MpiCommunicator>(rank, size, local_rank, local_size,
                                                          timeout_seconds);
    if (rank != expected.rank || (expected.world_size > 0 && size != expected.world_size)) {
        return spec_error("environment",
                          "MPI says rank " + std::to_string(rank) + " of " +
                              std::to_string(size) + " but the environment says rank " +
                              std::to_string(expected.rank) + " of " +
                              std::to_string(expected.world_size) + " (" + expected.evidence +
                              ")",
                          "launch variables from two launchers are mixed; start the job "
                          "with one launcher");
    }
    return std::unique_ptr<Communicator>(std::move(communicator));
}

}  // namespace slipway
