#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gloo/rendezvous/store.h>

#include "common/status.h"

namespace slipway {

// What every rank tells rank 0 when it joins. Rank 0 admits a rank only with the job's token
// and a rank number not taken yet; world size and model signature must match rank 0's or
// the whole job is refused.
struct JoinRequest {
    std::string token;       // the job token (SLIPWAY_JOB_TOKEN / spec), never logged
    int rank = 0;
    int world_size = 0;
    std::string signature;   // model signature: every rank must train the same model
    std::string host;        // for messages: who this is
};

struct RendezvousOptions {
    std::string master_addr;                 // MASTER_ADDR: DNS name or IP of rank 0
    int master_port = 0;                     // MASTER_PORT
    std::chrono::milliseconds timeout{600'000};  // total bound on joining
    std::chrono::milliseconds operation_timeout{300'000};  // bound on each get/wait afterwards
};

// Why a rendezvous failed, mapped to exit codes by the caller.
enum class RendezvousFailure {
    kRefused,    // exit 2: wrong token, taken rank, or ranks disagree (message says which)
    kTimedOut,   // exit 10: rank 0 never answered / not every rank joined in time
    kStopped,    // exit 143: SIGTERM/SIGINT while waiting (stop_requested())
};

struct RendezvousError {
    RendezvousFailure kind;
    std::string message;  // which address, how long, the last error / the disagreement
};

// The key-value store of one job, served by rank 0 on MASTER_PORT, implementing gloo's Store
// interface so gloo's connectFullMesh (and later the NCCL unique id) travel through it.
// Every rank (rank 0 too) is a client; rank 0 also runs the server on a background thread.
//
// Joining: connect to MASTER_ADDR:MASTER_PORT, retrying with capped exponential back-off
// (100 ms doubling to 2 s) while the name does not resolve or the port refuses, until
// `timeout`; send the JoinRequest; rank 0's server admits or refuses it; then wait until
// all world_size ranks have joined (or rank 0 declares the job refused). Each wait polls
// stop_requested() so SIGTERM ends it promptly.
class TcpStore : public gloo::rendezvous::Store {
public:
    // Rank 0: starts the server (binding MASTER_PORT on all interfaces) and joins it.
    // Others: join. On success every rank of the job has joined with matching fields.
    static std::unique_ptr<TcpStore> join(const RendezvousOptions& options,
                                          const JoinRequest& request, RendezvousError* error);

    ~TcpStore() override;

    // gloo::rendezvous::Store. Failures (connection lost, timeout) throw gloo::IoException
    // with a message naming the key and the address, as gloo's own stores do.
    void set(const std::string& key, const std::vector<char>& data) override;
    std::vector<char> get(const std::string& key) override;
    void wait(const std::vector<std::string>& keys) override;
    void wait(const std::vector<std::string>& keys,
              const std::chrono::milliseconds& timeout) override;

    // The local address of this rank's connection to rank 0: an address of this host that
    // the other ranks can reach (gloo's TCP device binds to it).
    const std::string& local_address() const;

    // Tells every rank of the job that this one failed, for ranks that would otherwise wait
    // out their collective deadline: opens a connection of its own to MASTER_ADDR:MASTER_PORT
    // (the store's connection may be busy on another thread, or broken), sends ABORT with
    // `reason` and waits for rank 0's OK, all within `timeout`. The watching ranks are told
    // the job's first report. It also disarms this store's own watcher: this rank is ending
    // on its own path. False when rank 0 could not be told; never throws; any thread.
    bool report_failure(const std::string& reason, std::chrono::milliseconds timeout) noexcept;

    // Call once, when the store has done its work (gloo's mesh is connected): from then on a
    // background thread owns the connection to rank 0, and the caller must use this store
    // for nothing but report_failure (set/get/wait throw gloo::IoException). The thread calls
    // `on_abort(message)` at most once, on itself:
    //   - within ~100 ms of any rank's report_failure, with "rank R reports: <reason>";
    //   - when the connection to rank 0 is lost (rank 0 died, or finished first) and this
    //     store is still not destroyed 5 s later, with "lost the connection to rank 0 ...".
    //     A rank that finishes normally destroys its store within that grace period.
    // The destructor disarms and joins the thread promptly: on_abort is never called once
    // destruction has begun. A rank 0 that is alive but frozen is not detected here: the
    // collective deadline covers it.
    void watch_for_abort(std::function<void(const std::string& message)> on_abort);

private:
    TcpStore();
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace slipway
