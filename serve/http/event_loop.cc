#include "serve/http/event_loop.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "serve/http/response_writer.h"

namespace slipway::serve {
namespace {

constexpr uint64_t kWakeKey = 0;
constexpr uint64_t kListenerKey = 1;
constexpr size_t kReadChunk = 64 << 10;
constexpr int kMaxEvents = 256;
// After the last answer of a connection we close, the peer may still be sending (a refused
// body): keep reading and dropping for this long so that closing does not reset the
// connection and destroy the answer before the client read it.
constexpr auto kLingerTime = std::chrono::seconds(2);

std::system_error system_failure(const char* what) {
    return std::system_error(errno, std::generic_category(), what);
}

}  // namespace

struct EventLoop::Connection {
    int fd = -1;
    uint64_t key = 0;
    std::string in;
    std::string out;
    size_t sent = 0;
    InFlight* in_flight = nullptr;  // the request at the batcher, if any
    bool continue_sent = false;
    bool close_after_write = false;  // the last answer is queued: close once it is sent
    bool peer_done = false;          // the client shut down its side
    bool lingering = false;          // answered and shut down; dropping input until close
    bool read_paused = false;        // input over every limit buffered: reading waits
    Clock::time_point last_activity;
    Clock::time_point request_began;  // when the first byte of the request in `in` came
};

struct EventLoop::InFlight {
    std::shared_ptr<Connection> connection;  // kept alive until the answer comes back
    PendingInference pending;
    BatchJob job;
    bool head_request = false;
    bool keep_alive = true;
    bool http10 = false;
    std::optional<ApiResult<Predictions>> result;
};

EventLoop::EventLoop(LoopSettings settings) : settings_(std::move(settings)) {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) throw system_failure("epoll_create1");
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) throw system_failure("eventfd");
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = kWakeKey;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event) != 0) {
        throw system_failure("epoll_ctl(eventfd)");
    }
    scratch_.resize(kReadChunk);
    max_buffered_ = settings_.limits.max_header_bytes + settings_.limits.max_body_bytes + kReadChunk;
}

EventLoop::~EventLoop() {
    if (thread_.joinable()) {
        request_stop(Clock::now());
        thread_.join();
    }
    for (auto& [key, connection] : connections_) ::close(connection->fd);
    for (int fd : adopted_) ::close(fd);
    if (listener_ >= 0) ::close(listener_);
    ::close(wake_fd_);
    ::close(epoll_fd_);
}

void EventLoop::accept_on(int listener, std::vector<EventLoop*> loops) {
    listener_ = listener;
    loops_ = std::move(loops);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = kListenerKey;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listener_, &event) != 0) {
        throw system_failure("epoll_ctl(listener)");
    }
}

void EventLoop::start() {
    thread_ = std::thread([this] { run(); });
}

// With inbox_mutex_ held: one eventfd write per batch of hand-overs, however many arrive
// before the loop wakes.
void EventLoop::wake_locked() {
    if (wake_pending_) return;
    wake_pending_ = true;
    const uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
}

void EventLoop::adopt(int fd) {
    std::lock_guard lock(inbox_mutex_);
    adopted_.push_back(fd);
    wake_locked();
}

void EventLoop::request_stop(Clock::time_point deadline) {
    stop_deadline_.store(deadline.time_since_epoch().count());
    stop_requested_.store(true);
    const uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
}

bool EventLoop::join(Clock::time_point deadline) {
    std::unique_lock lock(finished_mutex_);
    if (!finished_cv_.wait_until(lock, deadline, [this] { return finished_; })) return false;
    lock.unlock();
    if (thread_.joinable()) thread_.join();
    return true;
}

void EventLoop::run() {
    thread_id_ = std::this_thread::get_id();
    last_sweep_ = Clock::now();
    last_expiry_check_ = last_sweep_;
    epoll_event events[kMaxEvents];
    for (;;) {
        if (stop_requested_.load() && !stopping_) begin_stopping();
        const Clock::time_point now = Clock::now();
        if (stopping_ && done_stopping(now)) break;
        // While requests are out, wake often enough to answer queued ones at their deadline.
        const int timeout_ms = in_flight_ > 0 || stopping_ ? 10 : 1000;
        const int ready = ::epoll_wait(epoll_fd_, events, kMaxEvents, timeout_ms);
        if (ready < 0 && errno != EINTR) {
            spdlog::error("epoll_wait failed: {}", std::strerror(errno));
            break;
        }
        for (int i = 0; i < ready; ++i) handle_event(events[i].data.u64, events[i].events);
        take_inbox();
        submit_and_complete();
        const Clock::time_point after = Clock::now();
        if (in_flight_ > 0 && after - last_expiry_check_ >= std::chrono::milliseconds(10)) {
            last_expiry_check_ = after;
            settings_.batcher->expire_overdue(after);
            submit_and_complete();
        }
        if (after - last_sweep_ >= std::chrono::seconds(1) || stopping_) sweep(after);
    }
    // At the deadline (or on an epoll failure): whatever is left is cut off. Answers still due
    // from the batcher keep their connection alive through InFlight.
    for (auto& [key, connection] : connections_) {
        ::close(connection->fd);
        connection->fd = -1;
        settings_.open_connections->fetch_sub(1);
    }
    connections_.clear();
    std::lock_guard lock(finished_mutex_);
    finished_ = true;
    finished_cv_.notify_all();
}

void EventLoop::handle_event(uint64_t key, uint32_t events) {
    if (key == kWakeKey) {
        uint64_t count = 0;
        (void)!::read(wake_fd_, &count, sizeof count);
        return;
    }
    if (key == kListenerKey) {
        accept_connections();
        return;
    }
    const auto found = connections_.find(key);
    if (found == connections_.end()) return;  // closed earlier in this round
    const std::shared_ptr<Connection> connection = found->second;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        read_input(*connection, events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)
                                    ? ReadUntil::kEmpty
                                    : ReadUntil::kShortRead);
    }
    if (connection->fd < 0) return;
    if (connection->lingering) {
        finish_lingering(*connection);
        return;
    }
    serve_requests(*connection);
    if (connection->fd >= 0 && (events & EPOLLOUT)) flush(*connection);
}

void EventLoop::accept_connections() {
    for (;;) {
        const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                // EMFILE and friends: leave the rest in the backlog until a descriptor frees.
                spdlog::warn("accept failed: {}", std::strerror(errno));
            }
            return;
        }
        if (settings_.open_connections->load() >= settings_.max_connections) {
            ServiceReply reply = error_reply(
                503, "too many connections (" + std::to_string(settings_.max_connections) +
                         "); retry later or raise --connections");
            std::string refusal;
            append_response(refusal, reply, false, false, false);
            (void)!::send(fd, refusal.data(), refusal.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            settings_.metrics->record_request(std::nullopt, 503, 0.0);
            ::close(fd);
            continue;
        }
        const int on = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        settings_.open_connections->fetch_add(1);
        EventLoop* owner = loops_[next_loop_++ % loops_.size()];
        if (owner == this) {
            add_connection(fd);
        } else {
            owner->adopt(fd);
        }
    }
}

void EventLoop::add_connection(int fd) {
    auto connection = std::make_shared<Connection>();
    connection->fd = fd;
    connection->key = next_key_++;
    connection->last_activity = Clock::now();
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    event.data.u64 = connection->key;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
        spdlog::warn("cannot watch a new connection: {}", std::strerror(errno));
        ::close(fd);
        settings_.open_connections->fetch_sub(1);
        return;
    }
    connections_.emplace(connection->key, std::move(connection));
}

void EventLoop::read_input(Connection& connection, ReadUntil until) {
    if (connection.read_paused && !connection.lingering) return;
    for (;;) {
        const ssize_t got = ::recv(connection.fd, scratch_.data(), scratch_.size(), 0);
        if (got > 0) {
            connection.last_activity = Clock::now();
            const bool drained =
                until == ReadUntil::kShortRead && static_cast<size_t>(got) < scratch_.size();
            if (connection.lingering) {  // answered already: drop what still comes
                if (drained) return;
                continue;
            }
            if (connection.in.empty()) connection.request_began = connection.last_activity;
            connection.in.append(scratch_.data(), static_cast<size_t>(got));
            if (connection.in.size() > max_buffered_) {
                // More than any one request may hold: stop reading until the parser has had
                // its say (a 413 for a body over the limit); serve_requests reads on.
                connection.read_paused = true;
                return;
            }
            if (drained) return;
            continue;
        }
        if (got == 0) {
            connection.peer_done = true;
            return;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        close_connection(connection);  // reset by the peer: nobody to answer
        return;
    }
}

void EventLoop::serve_requests(Connection& connection) {
    while (connection.in_flight == nullptr && !connection.close_after_write &&
           !connection.in.empty()) {
        const ParseOutcome outcome = parse_request(connection.in, settings_.limits);
        if (outcome.kind == ParseOutcome::Kind::kNeedMore) {
            if (outcome.expects_continue && !connection.continue_sent) {
                connection.out += "HTTP/1.1 100 Continue\r\n\r\n";
                connection.continue_sent = true;
            }
            break;
        }
        if (outcome.kind == ParseOutcome::Kind::kFailed) {
            refuse_request(connection, outcome.status, outcome.message);
            break;
        }
        connection.continue_sent = false;
        start_request(connection, outcome);
        connection.in.erase(0, outcome.consumed);
        if (!connection.in.empty()) connection.request_began = Clock::now();
    }
    if (connection.peer_done && connection.in_flight == nullptr) {
        connection.close_after_write = true;  // nothing more can come: answer, then close
    }
    flush(connection);
    if (connection.fd >= 0 && connection.read_paused && connection.in_flight == nullptr &&
        !connection.close_after_write && connection.in.size() <= max_buffered_) {
        connection.read_paused = false;
        read_input(connection);
        if (connection.fd >= 0) serve_requests(connection);
    }
}

void EventLoop::start_request(Connection& connection, const ParseOutcome& outcome) {
    const HttpRequest& request = outcome.request;
    const bool head_request = request.method == "HEAD";
    const bool keep_alive = request.keep_alive && !stopping_;
    Started started = settings_.service->begin(ServiceRequest{
        request.method, request.path, request.content(), request.inference_header_length});
    if (auto* reply = std::get_if<ServiceReply>(&started)) {
        append_response(connection.out, *reply, head_request, keep_alive, request.http10);
        if (!keep_alive) connection.close_after_write = true;
        return;
    }
    auto* flight = new InFlight{connections_.at(connection.key),
                                std::move(std::get<PendingInference>(started)),
                                {},
                                head_request,
                                keep_alive,
                                request.http10,
                                std::nullopt};
    flight->job.model = flight->pending.model;
    flight->job.rows = &flight->pending.rows();
    flight->job.deadline = flight->pending.deadline;
    flight->job.done = [this, flight](ApiResult<Predictions> result) {
        flight->result.emplace(std::move(result));
        post(flight);
    };
    connection.in_flight = flight;
    ++in_flight_;
    to_submit_.push_back(&flight->job);
}

void EventLoop::refuse_request(Connection& connection, int status, const std::string& message) {
    append_response(connection.out, error_reply(status, message), false, false, false);
    settings_.metrics->record_request(std::nullopt, status, 0.0);
    connection.in.clear();
    connection.close_after_write = true;
}

void EventLoop::post(InFlight* flight) {
    if (std::this_thread::get_id() == thread_id_) {
        completed_.push_back(flight);
        return;
    }
    std::lock_guard lock(inbox_mutex_);
    remote_completed_.push_back(flight);
    wake_locked();
}

void EventLoop::take_inbox() {
    std::vector<int> adopted;
    {
        std::lock_guard lock(inbox_mutex_);
        if (!wake_pending_) return;
        wake_pending_ = false;
        adopted.swap(adopted_);
        completed_.insert(completed_.end(), remote_completed_.begin(), remote_completed_.end());
        remote_completed_.clear();
    }
    for (int fd : adopted) add_connection(fd);
}

void EventLoop::submit_and_complete() {
    // Answering a request may start the next one pipelined behind it: go round until done.
    while (!to_submit_.empty() || !completed_.empty()) {
        if (!to_submit_.empty()) {
            std::vector<BatchJob*> jobs;
            jobs.swap(to_submit_);
            settings_.batcher->submit(jobs);
        }
        std::vector<InFlight*> completed;
        completed.swap(completed_);
        for (InFlight* raw : completed) {
            std::unique_ptr<InFlight> flight(raw);
            --in_flight_;
            const ServiceReply reply =
                settings_.service->finish(flight->pending, std::move(*flight->result));
            Connection& connection = *flight->connection;
            connection.in_flight = nullptr;
            if (connection.fd < 0) continue;  // the client went away meanwhile
            const bool keep_alive = flight->keep_alive && !stopping_;
            append_response(connection.out, reply, flight->head_request, keep_alive,
                            flight->http10);
            if (!keep_alive) connection.close_after_write = true;
            connection.last_activity = Clock::now();
            serve_requests(connection);
        }
    }
}

void EventLoop::flush(Connection& connection) {
    while (connection.sent < connection.out.size()) {
        const ssize_t sent = ::send(connection.fd, connection.out.data() + connection.sent,
                                    connection.out.size() - connection.sent, MSG_NOSIGNAL);
        if (sent >= 0) {
            connection.sent += static_cast<size_t>(sent);
            continue;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;  // EPOLLOUT brings us back
        close_connection(connection);
        return;
    }
    connection.out.clear();
    connection.sent = 0;
    if (connection.close_after_write && connection.in_flight == nullptr) {
        if (connection.peer_done) {
            close_connection(connection);
            return;
        }
        ::shutdown(connection.fd, SHUT_WR);
        connection.lingering = true;
        connection.read_paused = false;
        connection.last_activity = Clock::now();
        read_input(connection);  // drops what the client already sent
        if (connection.fd >= 0) finish_lingering(connection);
    }
}

void EventLoop::finish_lingering(Connection& connection) {
    connection.in.clear();
    if (connection.peer_done) close_connection(connection);
}

void EventLoop::close_connection(Connection& connection) {
    if (connection.fd < 0) return;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, connection.fd, nullptr);
    ::close(connection.fd);
    connection.fd = -1;
    settings_.open_connections->fetch_sub(1);
    connections_.erase(connection.key);  // an InFlight may still hold the object
}

void EventLoop::sweep(Clock::time_point now) {
    last_sweep_ = now;
    std::vector<std::shared_ptr<Connection>> expired;
    std::vector<std::shared_ptr<Connection>> too_slow;
    for (auto& [key, connection] : connections_) {
        if (connection->in_flight != nullptr) continue;
        const bool nothing_pending = connection->in.empty() && connection->out.empty();
        if (connection->lingering) {
            if (now - connection->last_activity > kLingerTime) expired.push_back(connection);
        } else if (nothing_pending &&
                   (stopping_ || now - connection->last_activity > settings_.idle_timeout)) {
            expired.push_back(connection);
        } else if (!connection->in.empty() && !connection->close_after_write &&
                   now - connection->request_began > settings_.request_timeout) {
            too_slow.push_back(connection);
        }
    }
    for (const auto& connection : expired) close_connection(*connection);
    for (const auto& connection : too_slow) {
        refuse_request(*connection, 408,
                       "request not complete within " +
                           std::to_string(settings_.request_timeout.count()) + " s");
        flush(*connection);
    }
}

void EventLoop::begin_stopping() {
    stopping_ = true;
    if (listener_ >= 0) {
        accept_connections();  // those in the backlog already sent their request: answer it
        ::close(listener_);    // later ones are refused, not left waiting
        listener_ = -1;
    }
    // Requests that reached the socket but not yet this loop are answered, not cut off.
    std::vector<std::shared_ptr<Connection>> open;
    for (const auto& [key, connection] : connections_) open.push_back(connection);
    for (const auto& connection : open) {
        if (connection->fd < 0 || connection->lingering) continue;
        read_input(*connection);
        if (connection->fd >= 0) serve_requests(*connection);
    }
    submit_and_complete();
    sweep(Clock::now());
}

bool EventLoop::done_stopping(Clock::time_point now) const {
    if (now.time_since_epoch().count() >= stop_deadline_.load()) return true;
    return connections_.empty() && in_flight_ == 0;
}

}  // namespace slipway::serve
