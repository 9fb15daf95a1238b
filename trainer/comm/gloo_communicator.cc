#include <gloo/barrier_all_to_all.h>
#include <gloo/broadcast_one_to_all.h>
#include <gloo/common/error.h>
#include <gloo/common/logging.h>
#include <gloo/math.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/prefix_store.h>
#include <gloo/transport/tcp/device.h>

#include <signal.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "comm/communicator.h"
#include "comm/gloo_sync_ring.h"
#include "comm/rendezvous/tcp_store.h"
#include "common/exit_code.h"
#include "common/system_error.h"

namespace slipway {
namespace {

using Milliseconds = std::chrono::milliseconds;

// How long a failing rank tries to tell rank 0 before it exits anyway.
constexpr Milliseconds kReportTimeout{2000};

Milliseconds to_milliseconds(double seconds) {
    return Milliseconds(static_cast<int64_t>(seconds * 1000.0));
}

std::string seconds_text(double seconds) {
    char text[32];
    std::snprintf(text, sizeof(text), "%g", seconds);
    return text;
}

// Collectives over gloo's TCP transport, for ranks that meet through the TCP rendezvous
// (pods of an Indexed Job or JobSet, torchrun-style launches) instead of mpirun. The pairs run
// in gloo's sync mode (comm/gloo_sync_ring.h says why): allreduce is GlooSyncRing, barrier and
// broadcast are gloo's Buffer-based algorithms, the ones that work in that mode. Every read
// and write is bounded by train.collective_timeout and a broken connection raises
// IoException; both become PeerFailure (exit 10). A rank whose own connections stay up
// (blocked on a live neighbour that waits for the dead one) would wait out the whole deadline:
// the first rank that fails reports through rank 0's store (abort()), and every rank's store
// watcher ends it at once.
class GlooCommunicator final : public Communicator {
public:
    GlooCommunicator(const RankInfo& ranks, std::unique_ptr<TcpStore> store,
                     std::shared_ptr<gloo::Context> context, double timeout_seconds)
        : rank_(ranks.rank),
          size_(ranks.world_size),
          local_rank_(ranks.local_rank),
          local_size_(ranks.local_world_size),
          store_(std::move(store)),
          context_(std::move(context)),
          timeout_seconds_(timeout_seconds) {
        if (size_ == 1) return;
        // The same construction order on every rank gives the same gloo slot numbers.
        guarded("gloo sync mode", [&] {
            ring_ = std::make_unique<GlooSyncRing>(context_);
            barrier_ = std::make_unique<gloo::BarrierAllToAll>(context_);
        });
    }

    int rank() const override { return rank_; }
    int size() const override { return size_; }
    int local_rank() const override { return local_rank_; }
    int local_size() const override { return local_size_; }
    std::string name() const override { return "gloo"; }

    void allreduce_sum(float* data, size_t count) override {
        reduce(data, count, "allreduce(float) over gloo");
    }
    void allreduce_sum(double* data, size_t count) override {
        reduce(data, count, "allreduce(double) over gloo");
    }

    void broadcast(float* data, size_t count, int root) override {
        share(data, count, root, "gloo::BroadcastOneToAll(float)");
    }
    void broadcast(double* data, size_t count, int root) override {
        share(data, count, root, "gloo::BroadcastOneToAll(double)");
    }

    void barrier() override {
        if (size_ == 1) return;
        guarded("gloo::BarrierAllToAll", [&] { barrier_->run(); });
    }

    // gloo has no job-wide abort, and a rank blocked in a collective may not notice a dead
    // peer before its deadline: this rank reports the failure through rank 0's store, whose
    // watchers (see make_gloo_communicator) end every other rank with exit 10.
    void abort(int, const std::string& reason) noexcept override {
        if (size_ == 1) return;
        if (!store_->report_failure(reason, kReportTimeout)) {
            spdlog::warn("could not report the failure to the other ranks through rank 0 "
                         "(gone?); they stop when they notice on their own, at the latest at "
                         "their collective deadline");
        }
    }

private:
    template <class T>
    void reduce(T* data, size_t count, const char* call) {
        if (size_ == 1 || count == 0) return;
        guarded(call, [&] { ring_->allreduce_sum(data, count); });
    }

    template <class T>
    void share(T* data, size_t count, int root, const char* call) {
        if (size_ == 1 || count == 0) return;
        guarded(call, [&] {
            // Bound to this buffer: built per call (broadcasts are rare: the initial weights).
            gloo::BroadcastOneToAll<T> broadcast(context_, {data}, count, root);
            broadcast.run();
        });
    }

    template <class Call>
    void guarded(const char* call, Call&& run) {
        try {
            run();
        } catch (const gloo::IoException& error) {
            // gloo names the peer's address in what() ("Connection closed by peer [host]:port"
            // or "Timed out waiting ... for recv operation to complete").
            throw PeerFailure(call,
                              "a peer failed or did not answer within train.collective_timeout "
                              "= " + seconds_text(timeout_seconds_) + " s: " + error.what(),
                              __FILE__, __LINE__);
        } catch (const gloo::Exception& error) {
            throw PeerFailure(call, error.what(), __FILE__, __LINE__);
        } catch (const gloo::EnforceNotMet& error) {
            throw PeerFailure(call, error.what(), __FILE__, __LINE__);
        }
    }

    int rank_;
    int size_;
    int local_rank_;
    int local_size_;
    std::unique_ptr<TcpStore> store_;  // rank 0 serves the store for the job's lifetime
    std::shared_ptr<gloo::Context> context_;
    double timeout_seconds_;
    std::unique_ptr<GlooSyncRing> ring_;
    std::unique_ptr<gloo::BarrierAllToAll> barrier_;
};

void ignore_sigpipe() {
    struct sigaction current {};
    if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
        struct sigaction ignore {};
        ignore.sa_handler = SIG_IGN;
        sigemptyset(&ignore.sa_mask);
        ::sigaction(SIGPIPE, &ignore, nullptr);
    }
}

Error rendezvous_error(const RendezvousError& failure, const std::string& where) {
    switch (failure.kind) {
        case RendezvousFailure::kRefused:
            return Error{ExitCode::kBadSpec, failure.message, where,
                         "check that every rank runs the same spec, world size and job token"};
        case RendezvousFailure::kStopped:
            return Error{ExitCode::kPreempted,
                         "stopped by a signal during the rendezvous (nothing to checkpoint yet)",
                         where, ""};
        case RendezvousFailure::kTimedOut:
            break;
    }
    return Error{ExitCode::kPeerFailed, failure.message, where,
                 "check MASTER_ADDR/MASTER_PORT and that rank 0 runs; the bound is "
                 "train.rendezvous_timeout or SLIPWAY_RENDEZVOUS_TIMEOUT"};
}

}  // namespace

Result<std::unique_ptr<Communicator>> make_gloo_communicator(const RankInfo& ranks,
                                                             const CommOptions& options) {
    const std::string where = "rendezvous " + ranks.master_addr + ":" +
                              std::to_string(ranks.master_port);
    if (ranks.master_addr.empty() || ranks.master_port <= 0) {
        return spec_error("environment",
                          "the gloo communicator needs MASTER_ADDR and MASTER_PORT (" +
                              ranks.evidence + ")",
                          "set them to rank 0's address and a free port");
    }
    RendezvousOptions rendezvous;
    rendezvous.master_addr = ranks.master_addr;
    rendezvous.master_port = ranks.master_port;
    rendezvous.timeout = to_milliseconds(options.rendezvous_timeout);
    rendezvous.operation_timeout = to_milliseconds(options.rendezvous_timeout);
    JoinRequest request;
    request.token = options.job_token;
    request.rank = ranks.rank;
    request.world_size = ranks.world_size;
    request.signature = options.signature;
    char host[256] = {};
    if (gethostname(host, sizeof(host) - 1) == 0) request.host = host;  // for messages only

    RendezvousError failure{RendezvousFailure::kTimedOut, ""};
    const auto started = std::chrono::steady_clock::now();
    std::unique_ptr<TcpStore> store = TcpStore::join(rendezvous, request, &failure);
    if (!store) return rendezvous_error(failure, where);
    spdlog::info("rendezvous at {}: {} ranks joined in {:.2f} s", where.substr(11),
                 ranks.world_size,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
                     .count());

    // gloo's TCP pairs write with writev(), which raises SIGPIPE when a peer has gone: that
    // would kill this rank by signal (-13) instead of the IoException that becomes exit 10.
    ignore_sigpipe();
    try {
        gloo::transport::tcp::attr attr;
        attr.hostname = store->local_address();
        auto device = gloo::transport::tcp::CreateDevice(attr);
        auto context = std::make_shared<gloo::rendezvous::Context>(ranks.rank, ranks.world_size);
        context->setTimeout(to_milliseconds(options.collective_timeout));
        gloo::rendezvous::PrefixStore prefixed("gloo", *store);
        context->connectFullMesh(prefixed, device);
        if (ranks.world_size > 1) {
            // A rank blocked in a collective may learn of a dead peer only at its deadline:
            // another rank's report (or rank 0's death) ends it now.
            store->watch_for_abort([](const std::string& message) {
                spdlog::error("{}; stopping this rank", message);
                spdlog::default_logger()->flush();
                std::_Exit(to_int(ExitCode::kPeerFailed));
            });
        }
        return std::unique_ptr<Communicator>(std::make_unique<GlooCommunicator>(
            ranks, std::move(store), std::move(context), options.collective_timeout));
    } catch (const std::exception& error) {
        return Error{ExitCode::kPeerFailed,
                     std::string("connecting the gloo mesh failed: ") + error.what(), where,
                     "a rank died during the rendezvous, or ranks cannot reach each other's "
                     "addresses (the one each announced is the address it reached rank 0 from)"};
    }
}

}  // namespace slipway
