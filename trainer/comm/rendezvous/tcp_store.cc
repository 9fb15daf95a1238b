#include "comm/rendezvous/tcp_store.h"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

#include <gloo/common/error.h>

#include "comm/rendezvous/server.h"
#include "comm/rendezvous/socket.h"
#include "comm/rendezvous/wire.h"
#include "common/stop_signal.h"

namespace slipway {

using rdv::Clock;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds kFirstBackoff{100};
constexpr milliseconds kMaxBackoff{2000};
// One connect attempt: long enough for a SYN retransmit across a busy network, short enough
// that a dead address does not eat the whole join timeout.
constexpr milliseconds kConnectAttempt{1000};
// rank 0 answers a JOIN at once; something that stays silent this long is not rank 0.
constexpr milliseconds kJoinReplyTimeout{10'000};
// How much longer than the server's own wait a client waits for the reply.
constexpr milliseconds kReplySlack{5000};
constexpr milliseconds kResolveLocalTimeout{2000};
constexpr milliseconds kDrainTimeout{2000};
// The wire carries timeouts as u32 milliseconds (49 days).
constexpr milliseconds kMaxWireTimeout{0xffffffffLL};
// The watcher's server-side wait per request: how often it asks again.
constexpr milliseconds kWatchPoll{1000};
// After the connection to rank 0 is lost: how long a rank has to end on its own (rank 0 may
// simply have finished first) before the watcher calls it a failure.
constexpr milliseconds kLostRankZeroGrace{5000};
// A failure report carries at most this much of its reason (an ABORT is a first frame, which
// the server takes only up to kMaxJoinPayload).
constexpr std::size_t kMaxReason = 16 << 10;

enum class Outcome { kJoined, kRefused, kRetry, kTimedOut, kStopped };

struct Attempt {
    Outcome outcome = Outcome::kRetry;
    std::string detail;  // the refusal, or the error to report if this was the last attempt
    rdv::Fd fd;
    // The attempt failed only because the join deadline arrived in the middle of it: its
    // error ("timed out") says less than the previous attempt's ("Connection refused").
    bool cut_short = false;
};

std::string join_ints(const std::vector<int>& values) {
    std::string text;
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0) text += ", ";
        text += std::to_string(values[i]);
    }
    return text;
}

}  // namespace

struct TcpStore::Impl {
    // Declared first so it is destroyed last: rank 0's clients keep their server until the end.
    std::unique_ptr<rdv::StoreServer> server;
    RendezvousOptions options;
    int rank = 0;
    std::string endpoint;  // "MASTER_ADDR:MASTER_PORT", for messages
    std::string local_address;

    std::string token;  // for ABORT reports; never logged

    std::mutex mutex;  // one request/reply at a time on the connection
    rdv::Fd fd;
    bool watched = false;  // the watcher owns `fd` now (mutex)

    // The abort watcher. `armed` (watch_mutex) says on_abort may still be called; it is
    // called with watch_mutex held, so disarming waits for a call in progress.
    std::mutex watch_mutex;
    std::condition_variable watch_changed;
    bool armed = false;
    std::atomic<bool> watch_stop{false};
    std::function<void(const std::string&)> on_abort;
    std::thread watcher;

    void watch_loop();
    void fire(const std::string& message);
    void disarm() noexcept;
    void stop_watching() noexcept;

    Attempt attempt_join(const std::string& host, const JoinRequest& request,
                         std::uint64_t nonce, Clock::time_point deadline);
    std::string refusal_message(rdv::Refusal refusal, const std::string& reason) const;
    std::string find_local_address() const;

    // Sends one request and returns the reply's payload, which starts with `expected`;
    // throws gloo::IoException naming `what` (the operation and its keys) and rank 0's address.
    std::vector<char> call(const std::vector<char>& frame, rdv::Op expected,
                           milliseconds server_timeout, const std::string& what);
    milliseconds effective(milliseconds timeout) const;
};

std::string TcpStore::Impl::refusal_message(rdv::Refusal refusal,
                                            const std::string& reason) const {
    switch (refusal) {
    case rdv::Refusal::kStray:
        return reason + ": this process is not part of the job at " + endpoint;
    case rdv::Refusal::kJob:
        return "the job at " + endpoint + " is refused: " + reason;
    case rdv::Refusal::kRank:
        break;
    }
    return "rank 0 at " + endpoint + " refused rank " + std::to_string(rank) + ": " + reason;
}

Attempt TcpStore::Impl::attempt_join(const std::string& host, const JoinRequest& request,
                                     std::uint64_t nonce, Clock::time_point deadline) {
    Attempt attempt;
    // Resolved again on every attempt: a new pod's DNS name may appear only after a while.
    rdv::Resolved resolved = rdv::resolve_ipv4(host, options.master_port, deadline,
                                               stop_requested);
    if (resolved.interrupted) return {Outcome::kStopped, {}, {}};
    if (resolved.addresses.empty()) {
        attempt.detail = "cannot resolve '" + host + "': " + resolved.error;
        attempt.cut_short = Clock::now() >= deadline;
        return attempt;
    }
    std::string last_error;
    for (const sockaddr_in& address : resolved.addresses) {
        std::string target = rdv::endpoint_text(address);
        std::string error;
        bool interrupted = false;
        auto attempt_deadline = std::min(deadline, rdv::deadline_after(kConnectAttempt));
        rdv::Fd fd = rdv::connect_to(address, attempt_deadline, stop_requested, &error,
                                     &interrupted);
        if (interrupted) return {Outcome::kStopped, {}, {}};
        if (!fd.valid()) {
            last_error = "connect to " + target + ": " + error;
            continue;
        }

        auto reply_deadline = std::min(deadline, rdv::deadline_after(kJoinReplyTimeout));
        rdv::IoResult io = rdv::send_frame(fd.get(), rdv::encode_join(request, nonce),
                                           reply_deadline, stop_requested);
        std::vector<char> payload;
        if (io.ok()) {
            io = rdv::recv_frame(fd.get(), rdv::kMaxJoinPayload, &payload, reply_deadline,
                                 stop_requested);
        }
        if (io.status == rdv::IoStatus::kInterrupted) return {Outcome::kStopped, {}, {}};
        if (!io.ok()) {
            last_error = "joining at " + target + ": " + io.error;
            continue;
        }
        rdv::FrameReader reader(payload);
        rdv::Op op{};
        std::uint8_t refusal = 0;
        std::string reason;
        reader.op(&op);
        if (op == rdv::Op::kRefused && reader.u8(&refusal) && reader.str(&reason)) {
            return {Outcome::kRefused,
                    refusal_message(static_cast<rdv::Refusal>(refusal), reason), {}};
        }
        if (op != rdv::Op::kAdmitted) {
            last_error = target + " answered with something other than slipway's rendezvous";
            continue;
        }

        // Admitted: now every rank waits here until the last one arrives.
        io = rdv::recv_frame(fd.get(), rdv::kMaxJoinPayload, &payload, deadline, stop_requested);
        if (io.status == rdv::IoStatus::kInterrupted) return {Outcome::kStopped, {}, {}};
        if (io.status == rdv::IoStatus::kTimedOut) return {Outcome::kTimedOut, {}, {}};
        if (!io.ok()) {
            last_error = "lost the connection to " + target +
                         " while waiting for the other ranks: " + io.error;
            continue;
        }
        rdv::FrameReader verdict(payload);
        verdict.op(&op);
        if (op == rdv::Op::kAllJoined) return {Outcome::kJoined, {}, std::move(fd)};
        if (op == rdv::Op::kRefused && verdict.u8(&refusal) && verdict.str(&reason)) {
            return {Outcome::kRefused,
                    refusal_message(static_cast<rdv::Refusal>(refusal), reason), {}};
        }
        last_error = target + " broke the rendezvous protocol while the ranks gathered";
    }
    attempt.detail = last_error;
    attempt.cut_short = Clock::now() >= deadline;
    return attempt;
}

std::string TcpStore::Impl::find_local_address() const {
    if (!server) return rdv::local_ip_of(fd.get());
    // Rank 0 talks to its own server over loopback, which other hosts cannot reach: find the
    // address they reach it by.
    if (!options.master_addr.empty()) {
        rdv::Resolved resolved =
            rdv::resolve_ipv4(options.master_addr, options.master_port,
                              rdv::deadline_after(kResolveLocalTimeout), stop_requested);
        for (const sockaddr_in& address : resolved.addresses) {
            if (rdv::is_local_address(address.sin_addr)) return rdv::ip_text(address.sin_addr);
        }
        // MASTER_ADDR is not ours (a Service's virtual IP, say): take the interface that
        // routes toward it.
        for (const sockaddr_in& address : resolved.addresses) {
            std::string outbound = rdv::outbound_address_toward(address);
            if (!outbound.empty()) return outbound;
        }
    }
    std::string seen = server->peer_facing_address();
    return seen.empty() ? "127.0.0.1" : seen;
}

std::unique_ptr<TcpStore> TcpStore::join(const RendezvousOptions& options,
                                         const JoinRequest& request, RendezvousError* error) {
    auto fail = [error](RendezvousFailure kind, std::string message) {
        if (error) *error = RendezvousError{kind, std::move(message)};
        return std::unique_ptr<TcpStore>();
    };
    auto started = Clock::now();
    auto deadline = rdv::deadline_after(options.timeout);
    std::string endpoint = options.master_addr + ":" + std::to_string(options.master_port);
    if (options.master_port <= 0 || options.master_port > 65535) {
        return fail(RendezvousFailure::kRefused,
                    "MASTER_PORT " + std::to_string(options.master_port) +
                        " is not a TCP port (1..65535)");
    }
    if (request.world_size < 1 || request.rank < 0 || request.rank >= request.world_size) {
        return fail(RendezvousFailure::kRefused,
                    "rank " + std::to_string(request.rank) + " is outside world size " +
                        std::to_string(request.world_size));
    }
    if (request.rank != 0 && options.master_addr.empty()) {
        return fail(RendezvousFailure::kRefused,
                    "rank " + std::to_string(request.rank) +
                        " needs MASTER_ADDR to find rank 0");
    }

    std::unique_ptr<TcpStore> store(new TcpStore());
    Impl& impl = *store->impl_;
    impl.options = options;
    impl.rank = request.rank;
    impl.token = request.token;
    impl.endpoint = endpoint;
    auto stopped = [&] {
        return fail(RendezvousFailure::kStopped,
                    "stopped by signal while joining rank 0 at " + endpoint + " after " +
                        rdv::format_seconds(Clock::now() - started));
    };

    std::uint64_t nonce = 0;
    if (request.rank == 0) {
        std::string listen_error;
        bool interrupted = false;
        impl.server = rdv::StoreServer::start(options.master_port, request, deadline,
                                              stop_requested, &listen_error, &interrupted);
        if (interrupted) return stopped();
        if (!impl.server) return fail(RendezvousFailure::kTimedOut, listen_error);
        nonce = impl.server->owner_nonce();
    }
    // Rank 0 reaches its own server over loopback: its own DNS name may not resolve yet.
    std::string host = request.rank == 0 ? "127.0.0.1" : options.master_addr;

    milliseconds backoff = kFirstBackoff;
    int attempts = 0;
    std::string last_error;
    while (true) {
        if (stop_requested()) return stopped();
        ++attempts;
        Attempt attempt = impl.attempt_join(host, request, nonce, deadline);
        switch (attempt.outcome) {
        case Outcome::kJoined:
            impl.fd = std::move(attempt.fd);
            impl.local_address = impl.find_local_address();
            return store;
        case Outcome::kRefused:
            // Rank 0 refused with the job: let the server tell the ranks already waiting
            // before it goes away with this process.
            if (impl.server) impl.server->await_verdicts_sent(rdv::deadline_after(kDrainTimeout));
            return fail(RendezvousFailure::kRefused, attempt.detail);
        case Outcome::kStopped:
            return stopped();
        case Outcome::kTimedOut: {
            std::string waited = rdv::format_seconds(Clock::now() - started);
            if (impl.server) {
                auto missing = impl.server->missing_ranks();
                return fail(RendezvousFailure::kTimedOut,
                            "not every rank joined rank 0 at " + endpoint + " within " + waited +
                                ": " +
                                std::to_string(request.world_size -
                                               static_cast<int>(missing.size())) +
                                " of " + std::to_string(request.world_size) +
                                " joined, missing rank(s) " + join_ints(missing));
            }
            return fail(RendezvousFailure::kTimedOut,
                        "rank " + std::to_string(request.rank) + " joined rank 0 at " +
                            endpoint + ", but not all " + std::to_string(request.world_size) +
                            " ranks joined within " + waited);
        }
        case Outcome::kRetry:
            if (!attempt.cut_short || last_error.empty()) last_error = attempt.detail;
            break;
        }
        auto pause_until = std::min(deadline, Clock::now() + backoff);
        while (Clock::now() < pause_until) {
            if (stop_requested()) return stopped();
            std::this_thread::sleep_for(std::min(rdv::time_left(pause_until), rdv::kPollSlice));
        }
        // No attempt starts at the deadline: it could only fail with "timed out".
        if (Clock::now() >= deadline) {
            return fail(RendezvousFailure::kTimedOut,
                        "rank " + std::to_string(request.rank) + " could not reach rank 0 at " +
                            endpoint + " within " +
                            rdv::format_seconds(Clock::now() - started) + " (" +
                            std::to_string(attempts) + " attempts); last error: " + last_error);
        }
        backoff = std::min(backoff * 2, kMaxBackoff);
    }
}

TcpStore::TcpStore() : impl_(std::make_unique<Impl>()) {}

// Stopping the watcher, closing the client socket and then stopping the server (Impl's member
// order) wakes and joins every thread; nothing here blocks beyond one poll slice or throws.
TcpStore::~TcpStore() { impl_->stop_watching(); }

const std::string& TcpStore::local_address() const { return impl_->local_address; }

milliseconds TcpStore::Impl::effective(milliseconds timeout) const {
    // gloo passes kNoTimeout (0) for "no timeout": every wait here has a bound.
    if (timeout.count() <= 0) timeout = options.operation_timeout;
    return std::clamp(timeout, milliseconds(0), kMaxWireTimeout);
}

std::vector<char> TcpStore::Impl::call(const std::vector<char>& frame, rdv::Op expected,
                                       milliseconds server_timeout, const std::string& what) {
    std::lock_guard lock(mutex);
    std::string context = "TcpStore " + what + " at rank 0 " + endpoint;
    if (watched) {
        throw gloo::IoException(context + ": the store's connection belongs to its abort "
                                          "watcher now");
    }
    if (!fd.valid()) {
        throw gloo::IoException(context + ": the connection was lost earlier");
    }
    auto deadline = rdv::deadline_after(server_timeout + kReplySlack);
    rdv::IoResult io = rdv::send_frame(fd.get(), frame, deadline, stop_requested);
    std::vector<char> payload;
    if (io.ok()) io = rdv::recv_frame(fd.get(), rdv::kMaxPayload, &payload, deadline,
                                      stop_requested);
    if (!io.ok()) {
        // The stream is out of step now (a half-sent request, an unread reply): never reuse it.
        fd.reset();
        if (io.status == rdv::IoStatus::kInterrupted) {
            throw gloo::IoException(context + ": stopped by signal");
        }
        if (io.status == rdv::IoStatus::kTimedOut) {
            throw gloo::IoException(context + ": no reply within " +
                                    rdv::format_seconds(server_timeout + kReplySlack));
        }
        throw gloo::IoException(context + ": " + io.error);
    }
    rdv::FrameReader reader(payload);
    rdv::Op op{};
    reader.op(&op);
    if (op == rdv::Op::kError) {
        std::string message;
        reader.str(&message);
        throw gloo::IoException(context + ": " + message);
    }
    if (op != expected) {
        fd.reset();
        throw gloo::IoException(context + ": rank 0 sent an unexpected reply");
    }
    return payload;
}

void TcpStore::set(const std::string& key, const std::vector<char>& data) {
    if (key.size() + data.size() + 64 > rdv::kMaxPayload) {
        throw gloo::IoException("TcpStore set('" + key + "') at rank 0 " + impl_->endpoint +
                                ": value of " + std::to_string(data.size()) +
                                " bytes exceeds the store's limit of " +
                                std::to_string(rdv::kMaxPayload) + " bytes");
    }
    auto frame = rdv::FrameWriter(rdv::Op::kSet).str(key).bytes(data).finish();
    impl_->call(frame, rdv::Op::kOk, impl_->options.operation_timeout, "set('" + key + "')");
}

std::vector<char> TcpStore::get(const std::string& key) {
    milliseconds timeout = impl_->effective(impl_->options.operation_timeout);
    auto frame = rdv::FrameWriter(rdv::Op::kGet)
                     .str(key)
                     .u32(static_cast<std::uint32_t>(timeout.count()))
                     .finish();
    std::string what = "get('" + key + "')";
    auto reply = impl_->call(frame, rdv::Op::kValue, timeout, what);
    rdv::FrameReader reader(reply);
    rdv::Op op{};
    std::vector<char> value;
    if (!reader.op(&op) || !reader.bytes(&value) || !reader.at_end()) {
        throw gloo::IoException("TcpStore " + what + " at rank 0 " + impl_->endpoint +
                                ": malformed reply");
    }
    return value;
}

void TcpStore::wait(const std::vector<std::string>& keys) {
    wait(keys, impl_->options.operation_timeout);
}

void TcpStore::wait(const std::vector<std::string>& keys, const milliseconds& timeout) {
    milliseconds bound = impl_->effective(timeout);
    rdv::FrameWriter writer(rdv::Op::kWait);
    writer.u32(static_cast<std::uint32_t>(bound.count()))
        .u32(static_cast<std::uint32_t>(keys.size()));
    std::string what = "wait(";
    for (std::size_t i = 0; i < keys.size(); ++i) {
        writer.str(keys[i]);
        if (i < 4) what += (i > 0 ? ", '" : "'") + keys[i] + "'";
    }
    what += keys.size() > 4 ? ", ...)" : ")";
    impl_->call(writer.finish(), rdv::Op::kOk, bound, what);
}

bool TcpStore::report_failure(const std::string& reason, milliseconds timeout) noexcept {
    Impl& impl = *impl_;
    impl.disarm();
    try {
        auto deadline = rdv::deadline_after(timeout);
        const rdv::Interrupt none;  // a rank stopping on SIGTERM still reports its failure
        // Rank 0 reaches its own server over loopback, as when it joined.
        std::string host = impl.rank == 0 ? "127.0.0.1" : impl.options.master_addr;
        rdv::Resolved resolved = rdv::resolve_ipv4(host, impl.options.master_port, deadline, none);
        auto frame = rdv::encode_abort(
            rdv::AbortReport{impl.token, impl.rank, reason.substr(0, kMaxReason)});
        for (const sockaddr_in& address : resolved.addresses) {
            std::string error;
            bool interrupted = false;
            rdv::Fd fd = rdv::connect_to(address, deadline, none, &error, &interrupted);
            if (!fd.valid()) continue;
            rdv::IoResult io = rdv::send_frame(fd.get(), frame, deadline, none);
            std::vector<char> payload;
            if (io.ok()) {
                io = rdv::recv_frame(fd.get(), rdv::kMaxJoinPayload, &payload, deadline, none);
            }
            if (io.ok() && static_cast<rdv::Op>(payload[0]) == rdv::Op::kOk) return true;
        }
        return false;
    } catch (...) {
        return false;  // out of memory or threads: the peers fall back on their deadlines
    }
}

void TcpStore::watch_for_abort(std::function<void(const std::string& message)> on_abort) {
    Impl& impl = *impl_;
    {
        std::lock_guard lock(impl.mutex);
        if (impl.watched) throw std::logic_error("TcpStore::watch_for_abort called twice");
        impl.watched = true;
    }
    {
        std::lock_guard lock(impl.watch_mutex);
        impl.on_abort = std::move(on_abort);
        impl.armed = true;
    }
    impl.watcher = std::thread([&impl] { impl.watch_loop(); });
}

void TcpStore::Impl::watch_loop() {
    const rdv::Interrupt stopped = [this] { return watch_stop.load(); };
    const auto request = rdv::FrameWriter(rdv::Op::kGet)
                             .str(rdv::kAbortKey)
                             .u32(static_cast<std::uint32_t>(kWatchPoll.count()))
                             .finish();
    std::string lost = "the connection was lost earlier";
    while (fd.valid() && !watch_stop.load()) {
        // No deadline on the reply: the server answers within kWatchPoll. A rank 0 that is
        // alive but frozen leaves this waiting, and the collective deadline covers it.
        rdv::IoResult io = rdv::send_frame(fd.get(), request, Clock::time_point::max(), stopped);
        std::vector<char> payload;
        if (io.ok()) {
            io = rdv::recv_frame(fd.get(), rdv::kMaxPayload, &payload, Clock::time_point::max(),
                                 stopped);
        }
        if (io.status == rdv::IoStatus::kInterrupted) return;
        if (!io.ok()) {
            lost = io.error;
            break;
        }
        rdv::FrameReader reader(payload);
        rdv::Op op{};
        reader.op(&op);
        if (op == rdv::Op::kError) continue;  // not reported within kWatchPoll: ask again
        std::string value;
        if (op != rdv::Op::kValue || !reader.str(&value) || !reader.at_end()) {
            lost = "rank 0 sent an unexpected reply";
            break;
        }
        // The server wrote "rank R: reason".
        auto colon = value.find(": ");
        fire(colon == std::string::npos
                 ? "a rank reports: " + value
                 : value.substr(0, colon) + " reports" + value.substr(colon));
        return;
    }
    {
        std::unique_lock lock(watch_mutex);
        if (watch_changed.wait_for(lock, kLostRankZeroGrace,
                                   [this] { return watch_stop.load(); })) {
            return;  // this rank ended too: rank 0 had finished first
        }
    }
    fire("lost the connection to rank 0 (the rendezvous server at " + endpoint + "): " + lost +
         "; rank 0 died, or it ended and this rank did not within " +
         rdv::format_seconds(kLostRankZeroGrace));
}

void TcpStore::Impl::fire(const std::string& message) {
    std::lock_guard lock(watch_mutex);
    if (!armed || watch_stop.load()) return;
    armed = false;
    on_abort(message);
}

void TcpStore::Impl::disarm() noexcept {
    std::lock_guard lock(watch_mutex);
    armed = false;
}

void TcpStore::Impl::stop_watching() noexcept {
    {
        std::lock_guard lock(watch_mutex);
        watch_stop = true;
        armed = false;
    }
    watch_changed.notify_all();
    if (!watcher.joinable()) return;
    // Wakes a watcher blocked on the socket at once rather than at its next poll slice.
    if (fd.valid()) ::shutdown(fd.get(), SHUT_RDWR);
    try {
        watcher.join();
    } catch (const std::system_error&) {
        watcher.detach();  // cannot happen for a joinable thread other than this one
    }
}

}  // namespace slipway
