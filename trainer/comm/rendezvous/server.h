#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "comm/rendezvous/socket.h"
#include "comm/rendezvous/tcp_store.h"
#include "comm/rendezvous/wire.h"

namespace slipway::rdv {

// Rank 0's side of the rendezvous: admits ranks (see wire.h for the protocol) and serves the
// key-value store. One thread accepts, one thread per connection serves it; all share one
// mutex and one condition variable, which is plenty for a few hundred ranks that talk to the
// store only at startup.
class StoreServer {
public:
    // Listens on 0.0.0.0:port, retrying while the port is taken (a previous incarnation of
    // this pod may still hold it) until the deadline. `reference` is rank 0's own request:
    // every other rank must bring the same token, world size and signature.
    static std::unique_ptr<StoreServer> start(int port, const JoinRequest& reference,
                                              Clock::time_point deadline,
                                              const Interrupt& interrupt, std::string* error,
                                              bool* interrupted);

    // Stops accepting, wakes and joins every thread. Never throws, returns within ~100 ms.
    ~StoreServer();

    StoreServer(const StoreServer&) = delete;
    StoreServer& operator=(const StoreServer&) = delete;

    // Proof that a JOIN for rank 0 comes from this process.
    std::uint64_t owner_nonce() const { return owner_nonce_; }

    std::vector<int> missing_ranks() const;

    // Waits (until `deadline`) for every rank that sent a JOIN to have been told its verdict:
    // rank 0 calls it before tearing the server down after the job was refused, so the other
    // ranks hear why instead of seeing a dropped connection.
    void await_verdicts_sent(Clock::time_point deadline);

    // This host's address on a connection some other host opened to us (empty when all ranks
    // are local): an address the other ranks can certainly reach.
    std::string peer_facing_address() const;

private:
    struct Connection {
        Fd fd;
        std::thread thread;
        std::atomic<bool> done{false};
    };

    struct Member {
        std::string host;
    };

    struct Verdict {
        bool admitted = false;
        Refusal refusal = Refusal::kRank;
        std::string reason;
    };

    StoreServer(Fd listener, const JoinRequest& reference);

    void accept_loop();
    void reap_finished_connections();
    void serve(Connection& connection);
    bool settle_join(Connection& connection, const DecodedJoin& join);  // true: all joined
    void settle_abort(Connection& connection, const std::vector<char>& payload);
    Verdict decide(const DecodedJoin& join, int fd);  // mutex_ held
    bool await_all_joined(Connection& connection, int rank);
    bool serve_request(Connection& connection, const std::vector<char>& payload);

    // Waits until every key is set; returns the keys still missing after `timeout`.
    std::vector<std::string> wait_for_keys(const std::vector<std::string>& keys,
                                           std::chrono::milliseconds timeout, int fd);

    bool stopping() const { return stopping_.load(); }

    const JoinRequest reference_;
    const std::uint64_t owner_nonce_;
    Fd listener_;
    std::atomic<bool> stopping_{false};

    mutable std::mutex mutex_;
    std::condition_variable changed_;  // a key was set, a rank joined, the job was refused
    std::vector<std::optional<Member>> members_;
    int joined_ = 0;
    int undecided_ = 0;  // connections that sent a JOIN and were not yet told the outcome
    bool all_joined_ = false;
    std::string job_refusal_;  // non-empty once the ranks disagreed
    std::string peer_facing_address_;
    std::map<std::string, std::vector<char>> data_;

    // Touched only by the accept thread while it runs, by the destructor after it stopped.
    std::list<std::unique_ptr<Connection>> connections_;
    std::thread acceptor_;
};

}  // namespace slipway::rdv
