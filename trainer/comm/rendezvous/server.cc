#include "comm/rendezvous/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <random>
#include <system_error>
#include <utility>

namespace slipway::rdv {
namespace {

using std::chrono::milliseconds;

// A client gets this long to send its JOIN: a half-open scanner connection must not pin a
// thread for long.
constexpr milliseconds kJoinFrameTimeout{30'000};
constexpr milliseconds kSendTimeout{30'000};
// More connections than any job has ranks: beyond this, new connections are closed at once
// rather than given a thread each.
constexpr std::size_t kMaxConnections = 4096;
constexpr std::size_t kMaxKeysInMessage = 8;

// Runs as long as the two lengths take, wherever the first differing byte is, so the time of
// a refusal tells nothing about the token.
bool same_token(const std::string& a, const std::string& b) {
    std::size_t size = std::max(a.size(), b.size());
    volatile unsigned char difference = a.size() == b.size() ? 0 : 1;
    for (std::size_t i = 0; i < size; ++i) {
        unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
        unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
        difference = difference | static_cast<unsigned char>(x ^ y);
    }
    return difference == 0;
}

std::uint64_t random_nonce() {
    std::random_device device;
    std::uint64_t nonce = (std::uint64_t{device()} << 32) | device();
    return nonce == 0 ? 1 : nonce;  // 0 is what ranks other than 0 send
}

std::string who(int rank, const std::string& host) {
    return "rank " + std::to_string(rank) + " (" + (host.empty() ? "unknown host" : host) + ")";
}

std::string quoted_keys(const std::vector<std::string>& keys) {
    std::string text;
    for (std::size_t i = 0; i < keys.size() && i < kMaxKeysInMessage; ++i) {
        if (i > 0) text += ", ";
        text += "'" + keys[i] + "'";
    }
    if (keys.size() > kMaxKeysInMessage) {
        text += " and " + std::to_string(keys.size() - kMaxKeysInMessage) + " more";
    }
    return text;
}

std::vector<char> refused_frame(Refusal refusal, const std::string& reason) {
    return FrameWriter(Op::kRefused).u8(static_cast<std::uint8_t>(refusal)).str(reason).finish();
}

std::vector<char> error_frame(const std::string& message) {
    return FrameWriter(Op::kError).str(message).finish();
}

}  // namespace

std::unique_ptr<StoreServer> StoreServer::start(int port, const JoinRequest& reference,
                                                Clock::time_point deadline,
                                                const Interrupt& interrupt, std::string* error,
                                                bool* interrupted) {
    *interrupted = false;
    auto started = Clock::now();
    milliseconds backoff{100};
    while (true) {
        Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        if (!listener.valid()) {
            *error = "socket(): " + errno_text(errno);
            return nullptr;
        }
        // A previous incarnation's connections in TIME_WAIT must not keep us off the port.
        int one = 1;
        ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_ANY);
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) ==
                0 &&
            ::listen(listener.get(), SOMAXCONN) == 0) {
            std::unique_ptr<StoreServer> server(new StoreServer(std::move(listener), reference));
            try {
                server->acceptor_ = std::thread([raw = server.get()] { raw->accept_loop(); });
            } catch (const std::system_error& e) {
                *error = std::string("cannot start the accept thread: ") + e.what();
                return nullptr;
            }
            return server;
        }
        int bind_error = errno;
        *error = "cannot listen on 0.0.0.0:" + std::to_string(port) + ": " +
                 errno_text(bind_error);
        // Only a taken port may free itself; anything else (no permission) will not.
        if (bind_error != EADDRINUSE) return nullptr;
        auto pause_until = std::min(deadline, Clock::now() + backoff);
        while (Clock::now() < pause_until) {
            if (interrupt && interrupt()) {
                *interrupted = true;
                return nullptr;
            }
            std::this_thread::sleep_for(std::min(time_left(pause_until), kPollSlice));
        }
        if (Clock::now() >= deadline) {
            *error += " (tried for " + format_seconds(Clock::now() - started) + ")";
            return nullptr;
        }
        backoff = std::min(backoff * 2, milliseconds(2000));
    }
}

StoreServer::StoreServer(Fd listener, const JoinRequest& reference)
    : reference_(reference),
      owner_nonce_(random_nonce()),
      listener_(std::move(listener)),
      members_(static_cast<std::size_t>(std::max(reference.world_size, 0))) {}

StoreServer::~StoreServer() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    if (acceptor_.joinable()) acceptor_.join();
    // Wakes threads blocked on their socket at once instead of at their next poll slice.
    for (auto& connection : connections_) ::shutdown(connection->fd.get(), SHUT_RDWR);
    for (auto& connection : connections_) {
        if (connection->thread.joinable()) connection->thread.join();
    }
}

std::vector<int> StoreServer::missing_ranks() const {
    std::lock_guard lock(mutex_);
    std::vector<int> missing;
    for (std::size_t rank = 0; rank < members_.size(); ++rank) {
        if (!members_[rank]) missing.push_back(static_cast<int>(rank));
    }
    return missing;
}

void StoreServer::await_verdicts_sent(Clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    while (undecided_ > 0 && !stopping()) {
        auto left = time_left(deadline);
        if (left.count() <= 0) return;
        changed_.wait_for(lock, std::min(left, kPollSlice));
    }
}

std::string StoreServer::peer_facing_address() const {
    std::lock_guard lock(mutex_);
    return peer_facing_address_;
}

void StoreServer::accept_loop() {
    while (!stopping()) {
        pollfd p{listener_.get(), POLLIN, 0};
        int rc = ::poll(&p, 1, static_cast<int>(kPollSlice.count()));
        reap_finished_connections();
        if (rc <= 0 || stopping()) continue;
        int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            // Out of descriptors (EMFILE) must not spin: the poll above would fire again at
            // once, so pause one slice.
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                std::this_thread::sleep_for(kPollSlice);
            }
            continue;
        }
        if (connections_.size() >= kMaxConnections) {
            ::close(fd);
            continue;
        }
        set_no_delay(fd);
        auto connection = std::make_unique<Connection>();
        connection->fd.reset(fd);
        Connection* raw = connection.get();
        try {
            connection->thread = std::thread([this, raw] {
                serve(*raw);
                // The peer sees the end at once; the descriptor itself is closed when the
                // connection is reaped, after this thread is joined, so the destructor never
                // shuts down a number that was reused.
                ::shutdown(raw->fd.get(), SHUT_RDWR);
                raw->done = true;
            });
        } catch (const std::system_error&) {
            continue;  // no thread to serve it: the connection closes, the client retries
        }
        connections_.push_back(std::move(connection));
    }
}

void StoreServer::reap_finished_connections() {
    for (auto it = connections_.begin(); it != connections_.end();) {
        if ((*it)->done.load()) {
            (*it)->thread.join();
            it = connections_.erase(it);
        } else {
            ++it;
        }
    }
}

void StoreServer::serve(Connection& connection) {
    int fd = connection.fd.get();
    Interrupt interrupt = [this] { return stopping(); };
    std::vector<char> payload;
    if (!recv_frame(fd, kMaxJoinPayload, &payload, deadline_after(kJoinFrameTimeout), interrupt)
             .ok()) {
        return;
    }
    if (!payload.empty() && static_cast<Op>(payload[0]) == Op::kAbort) {
        settle_abort(connection, payload);
        return;
    }
    DecodedJoin join;
    if (!decode_join(payload, &join)) return;  // not one of ours: drop it without a word
    {
        std::lock_guard lock(mutex_);
        ++undecided_;
    }
    bool joined = settle_join(connection, join);
    {
        std::lock_guard lock(mutex_);
        --undecided_;
    }
    changed_.notify_all();
    if (!joined) return;

    while (!stopping()) {
        if (!recv_frame(fd, kMaxPayload, &payload, Clock::time_point::max(), interrupt).ok()) {
            return;
        }
        if (!serve_request(connection, payload)) return;
    }
}

void StoreServer::settle_abort(Connection& connection, const std::vector<char>& payload) {
    AbortReport report;
    // A wrong token or a malformed frame is dropped like any foreign client: no answer at all.
    if (!decode_abort(payload, &report) || !same_token(report.token, reference_.token)) return;
    {
        std::lock_guard lock(mutex_);
        // The first report names the failure; later ones are its consequences.
        if (data_.find(kAbortKey) == data_.end()) {
            std::string value = "rank " + std::to_string(report.rank) + ": " + report.reason;
            data_[kAbortKey] = std::vector<char>(value.begin(), value.end());
        }
    }
    changed_.notify_all();
    Interrupt interrupt = [this] { return stopping(); };
    send_frame(connection.fd.get(), FrameWriter(Op::kOk).finish(), deadline_after(kSendTimeout),
               interrupt);
}

bool StoreServer::settle_join(Connection& connection, const DecodedJoin& join) {
    int fd = connection.fd.get();
    Interrupt interrupt = [this] { return stopping(); };
    if (join.version != kProtocolVersion) {
        std::string reason = "protocol version " + std::to_string(join.version) +
                             ", rank 0 speaks version " + std::to_string(kProtocolVersion) +
                             " (mixed slipway builds?)";
        send_frame(fd, refused_frame(Refusal::kRank, reason), deadline_after(kSendTimeout),
                   interrupt);
        return false;
    }
    Verdict verdict;
    {
        std::lock_guard lock(mutex_);
        verdict = decide(join, fd);
    }
    if (!verdict.admitted) {
        send_frame(fd, refused_frame(verdict.refusal, verdict.reason),
                   deadline_after(kSendTimeout), interrupt);
        return false;
    }
    int rank = join.request.rank;
    IoResult sent = send_frame(fd, FrameWriter(Op::kAdmitted).finish(),
                               deadline_after(kSendTimeout), interrupt);
    if (!sent.ok()) {
        std::lock_guard lock(mutex_);
        if (!all_joined_ && members_[static_cast<std::size_t>(rank)]) {
            members_[static_cast<std::size_t>(rank)].reset();
            --joined_;
        }
        return false;
    }
    return await_all_joined(connection, rank);
}

StoreServer::Verdict StoreServer::decide(const DecodedJoin& join, int fd) {
    const JoinRequest& request = join.request;
    if (!same_token(request.token, reference_.token)) {
        // The stray is told and leaves; it never counts as a member, the job goes on.
        return {false, Refusal::kStray, "job token does not match"};
    }
    if (!job_refusal_.empty()) return {false, Refusal::kJob, job_refusal_};
    if (request.world_size != reference_.world_size) {
        job_refusal_ = who(request.rank, request.host) + " says world size " +
                       std::to_string(request.world_size) + ", rank 0 says " +
                       std::to_string(reference_.world_size);
    } else if (request.signature != reference_.signature) {
        job_refusal_ = who(request.rank, request.host) + " trains '" + request.signature +
                       "' but rank 0 trains '" + reference_.signature + "'";
    }
    if (!job_refusal_.empty()) {
        changed_.notify_all();  // every admitted rank waiting for the others hears it
        return {false, Refusal::kJob, job_refusal_};
    }
    if (request.rank < 0 || request.rank >= reference_.world_size) {
        return {false, Refusal::kRank,
                "rank " + std::to_string(request.rank) + " is outside [0, " +
                    std::to_string(reference_.world_size) + ")"};
    }
    auto& member = members_[static_cast<std::size_t>(request.rank)];
    if (member) {
        return {false, Refusal::kRank,
                "rank " + std::to_string(request.rank) + " already joined from " + member->host};
    }
    if (request.rank == 0 && join.owner_nonce != owner_nonce_) {
        return {false, Refusal::kRank,
                "rank 0 is the process that serves the job (" + reference_.host +
                    "), not this one"};
    }
    member = Member{request.host.empty() ? "unknown host" : request.host};
    ++joined_;
    if (peer_facing_address_.empty() && !is_loopback_peer(fd)) {
        peer_facing_address_ = local_ip_of(fd);
    }
    if (joined_ == reference_.world_size) {
        all_joined_ = true;
        changed_.notify_all();
    }
    return {true, Refusal::kRank, {}};
}

bool StoreServer::await_all_joined(Connection& connection, int rank) {
    int fd = connection.fd.get();
    Interrupt interrupt = [this] { return stopping(); };
    std::unique_lock lock(mutex_);
    while (true) {
        if (stopping()) return false;
        if (!job_refusal_.empty()) {
            auto frame = refused_frame(Refusal::kJob, job_refusal_);
            lock.unlock();
            send_frame(fd, frame, deadline_after(kSendTimeout), interrupt);
            return false;
        }
        if (all_joined_) {
            lock.unlock();
            return send_frame(fd, FrameWriter(Op::kAllJoined).finish(),
                              deadline_after(kSendTimeout), interrupt)
                .ok();
        }
        changed_.wait_for(lock, kPollSlice);
        // A rank that gave up (or whose pod was replaced) before everyone arrived frees its
        // number for its successor instead of blocking it with "already joined".
        if (!all_joined_ && job_refusal_.empty() && peer_closed(fd)) {
            members_[static_cast<std::size_t>(rank)].reset();
            --joined_;
            return false;
        }
    }
}

bool StoreServer::serve_request(Connection& connection, const std::vector<char>& payload) {
    int fd = connection.fd.get();
    Interrupt interrupt = [this] { return stopping(); };
    FrameReader reader(payload);
    Op op{};
    if (!reader.op(&op)) return false;
    std::vector<char> reply;
    switch (op) {
    case Op::kSet: {
        std::string key;
        std::vector<char> value;
        if (!reader.str(&key) || !reader.bytes(&value) || !reader.at_end()) return false;
        {
            std::lock_guard lock(mutex_);
            data_[key] = std::move(value);
        }
        changed_.notify_all();
        reply = FrameWriter(Op::kOk).finish();
        break;
    }
    case Op::kGet: {
        std::string key;
        std::uint32_t timeout_ms = 0;
        if (!reader.str(&key) || !reader.u32(&timeout_ms) || !reader.at_end()) return false;
        milliseconds timeout(timeout_ms);
        if (!wait_for_keys({key}, timeout, fd).empty()) {
            reply = error_frame("key '" + key + "' was not set within " +
                                format_seconds(timeout));
            break;
        }
        std::lock_guard lock(mutex_);
        reply = FrameWriter(Op::kValue).bytes(data_[key]).finish();
        break;
    }
    case Op::kWait: {
        std::uint32_t timeout_ms = 0;
        std::uint32_t count = 0;
        if (!reader.u32(&timeout_ms) || !reader.u32(&count)) return false;
        std::vector<std::string> keys;
        for (std::uint32_t i = 0; i < count; ++i) {
            std::string key;
            if (!reader.str(&key)) return false;  // a lying count ends here, nothing reserved
            keys.push_back(std::move(key));
        }
        if (!reader.at_end()) return false;
        milliseconds timeout(timeout_ms);
        auto missing = wait_for_keys(keys, timeout, fd);
        reply = missing.empty() ? FrameWriter(Op::kOk).finish()
                                : error_frame("keys " + quoted_keys(missing) +
                                              " were not set within " + format_seconds(timeout));
        break;
    }
    default:
        return false;  // a client that is not following the protocol: drop it
    }
    return send_frame(fd, reply, Clock::time_point::max(), interrupt).ok();
}

std::vector<std::string> StoreServer::wait_for_keys(const std::vector<std::string>& keys,
                                                    milliseconds timeout, int fd) {
    auto deadline = deadline_after(timeout);
    std::unique_lock lock(mutex_);
    while (true) {
        std::vector<std::string> missing;
        for (const auto& key : keys) {
            if (data_.find(key) == data_.end()) missing.push_back(key);
        }
        if (missing.empty() || stopping()) return missing;
        auto left = time_left(deadline);
        if (left.count() <= 0) return missing;
        changed_.wait_for(lock, std::min(left, kPollSlice));
        // Nobody is left to answer: stop waiting on behalf of a client that hung up.
        if (peer_closed(fd)) return missing;
    }
}

}  // namespace slipway::rdv
