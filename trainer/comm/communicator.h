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
    // leaving them to wait out their deadlines; it does not return. Under gloo it reports
    // `reason` (what this rank saw: the step, the lost peer) through rank 0's store, every
    // other rank logs it and exits 10 within about a second, and it returns: the caller then
    // exits with `exit_code` itself.
    virtual void abort(int exit_code, const std::string& reason) noexcept = 0;
};

// Which communicator to build (`--comm`).
enum class CommChoice { kAuto, kMpi, kGloo };

struct CommOptions {
    CommChoice choice = CommChoice::kAuto;
    double collective_timeout = 300;  // seconds, every collective
    double rendezvous_timeout = 600;  // seconds, joining the gloo rendezvous
    std::string job_token;            // gloo: ranks of another job are refused
    std::string signature;            // gloo: every rank must train the same model
};

// One process: collectives are identities.
std::unique_ptr<Communicator> make_local_communicator();

// MPI_COMM_WORLD. Calls MPI_Init (only here: a process that never builds it never touches
// MPI) and MPI_Finalize on destruction. Checks that MPI's rank and size agree with what the
// environment said; collectives are non-blocking calls polled against `timeout_seconds`.
Result<std::unique_ptr<Communicator>> make_mpi_communicator(const RankInfo& expected,
                                                            double timeout_seconds);

// gloo over TCP: joins the rendezvous at MASTER_ADDR:MASTER_PORT (rank 0 serves it), then
// connects the gloo mesh through it. Refusals (token, world size, signature) are exit 2, a
// rendezvous that times out exit 10, a signal while waiting exit 143.
Result<std::unique_ptr<Communicator>> make_gloo_communicator(const RankInfo& ranks,
                                                             const CommOptions& options);

// The communicator a launch calls for. auto: MPI under mpirun/srun, gloo for multi-rank
// torchrun-style and Indexed Job launches, the local one for a single rank. An explicit
// choice that the environment cannot support is an Error (exit 2) that says why.
Result<std::unique_ptr<Communicator>> make_communicator(const RankInfo& ranks,
                                                        const CommOptions& options);

const char* to_string(CommChoice choice);

}  // namespace slipway
