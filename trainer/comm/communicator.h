#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "comm/rank_discovery.h"
#include "common/status.h"

namespace slipway {

// Collectives over all ranks of the job. Buffers live in the memory of the backend the
// communicator is paired with (host memory for MPI and the local communicator). Every call is
// bounded by the collective deadline: a lost peer or a missed deadline throws PeerFailure
// (exit 10), a failing library call its typed SystemError.
class Communicator {
public:
    virtual ~Communicator() = default;

    virtual int rank() const = 0;
    virtual int size() const = 0;
    virtual int local_rank() const = 0;
    virtual int local_size() const = 0;
    virtual std::string name() const = 0;

    // In-place elementwise sum over ranks. Callers pass one flat buffer, never one per tensor.
    virtual void allreduce_sum(float* data, size_t count) = 0;
    virtual void allreduce_sum(double* data, size_t count) = 0;
    // Copies root's buffer to every rank.
    virtual void broadcast(float* data, size_t count, int root) = 0;
    virtual void broadcast(double* data, size_t count, int root) = 0;
    virtual void barrier() = 0;

    // Ends the whole job now with `exit_code`, for failures after which the peers cannot be
    // trusted to finish a collective (a lost or hung peer, an error on one rank only). Under
    // MPI this is MPI_Abort: mpirun then stops every rank, stopped ones included, instead of
    // leaving them to wait out their deadlines. Does not return when it ends the job.
    virtual void abort(int exit_code) noexcept = 0;
};

// One process: collectives are identities.
std::unique_ptr<Communicator> make_local_communicator();

// MPI_COMM_WORLD. Calls MPI_Init (only here: a process that never builds it never touches
// MPI) and MPI_Finalize on destruction. Checks that MPI's rank and size agree with what the
// environment said; collectives are non-blocking calls polled against `timeout_seconds`.
Result<std::unique_ptr<Communicator>> make_mpi_communicator(const RankInfo& expected,
                                                            double timeout_seconds);

// The communicator a launch calls for: MPI under mpirun/srun, the local one for one rank.
// Other multi-rank launches (RANK/WORLD_SIZE without MPI) are an Error until the TCP
// rendezvous lands.
Result<std::unique_ptr<Communicator>> make_communicator(const RankInfo& ranks,
                                                        double timeout_seconds);

}  // namespace slipway
