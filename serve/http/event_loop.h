#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "serve/batching/batcher.h"
#include "serve/http/request_parser.h"
#include "serve/http/service.h"
#include "serve/metrics/serve_metrics.h"

namespace slipway::serve {

// What every event loop of one server shares.
struct LoopSettings {
    Service* service = nullptr;
    Batcher* batcher = nullptr;
    ServeMetrics* metrics = nullptr;
    RequestLimits limits;
    std::chrono::seconds idle_timeout{30};     // a keep-alive connection with nothing to do
    std::chrono::seconds request_timeout{30};  // a request whose bytes trickle in: 408
    size_t max_connections = 10000;            // open at once, all loops; beyond: 503
    std::atomic<size_t>* open_connections = nullptr;
};

// One thread with an epoll set and the connections it owns, start to end: it reads and parses
// their requests, answers what needs no model at once, and hands the rest to the batcher in
// one group per wake-up, so requests that arrive together share a forward pass. The pass runs
// on this thread when a slot is free (no hand-off); answers for requests another thread ran
// come back through a queue and an eventfd. HTTP/1.1 keep-alive, pipelining (answered in
// order, one request at a time), Expect: 100-continue, chunked bodies.
class EventLoop {
 public:
    using Clock = std::chrono::steady_clock;

    explicit EventLoop(LoopSettings settings);
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // This loop accepts on `listener` (and closes it when stopping) and spreads new connections over `loops` (itself
    // included) in turn. Before start().
    void accept_on(int listener, std::vector<EventLoop*> loops);
    void start();
    // Thread-safe: a connection accepted by another loop.
    void adopt(int fd);
    // Thread-safe: stop accepting, close idle connections, answer the requests under way
    // (with Connection: close) and end the thread once none is left or at `deadline`.
    void request_stop(Clock::time_point deadline);
    // Waits for the thread to end; false when it was still running at `deadline`.
    bool join(Clock::time_point deadline);

 private:
    struct Connection;
    struct InFlight;

    void run();
    void wake_locked();
    void handle_event(uint64_t key, uint32_t events);
    void accept_connections();
    void add_connection(int fd);
    // kUntilEmpty reads until EAGAIN. kUntilShortRead stops after a read that did not fill the
    // buffer: the socket was empty then, and with edge-triggered epoll any byte that comes
    // later raises a new event; it saves the recv() that would only say EAGAIN, one system
    // call per request (nginx does the same). Only for events without EPOLLRDHUP/HUP/ERR: a
    // FIN already queued behind the data raises no new event.
    enum class ReadUntil { kEmpty, kShortRead };
    void read_input(Connection& connection, ReadUntil until = ReadUntil::kEmpty);
    void serve_requests(Connection& connection);
    void start_request(Connection& connection, const ParseOutcome& outcome);
    void refuse_request(Connection& connection, int status, const std::string& message);
    void flush(Connection& connection);
    void close_connection(Connection& connection);
    void finish_lingering(Connection& connection);
    void post(InFlight* flight);
    void take_inbox();
    void submit_and_complete();
    void sweep(Clock::time_point now);
    void begin_stopping();
    bool done_stopping(Clock::time_point now) const;

    LoopSettings settings_;
    int epoll_fd_ = -1;
    int wake_fd_ = -1;
    int listener_ = -1;
    std::vector<EventLoop*> loops_;
    size_t next_loop_ = 0;
    std::thread thread_;
    std::thread::id thread_id_;

    uint64_t next_key_ = 2;  // 0: the wake eventfd, 1: the listener
    std::unordered_map<uint64_t, std::shared_ptr<Connection>> connections_;
    std::vector<BatchJob*> to_submit_;
    std::vector<InFlight*> completed_;  // answered on this thread
    size_t in_flight_ = 0;
    std::string scratch_;
    size_t max_buffered_ = 0;  // a connection's unparsed input; beyond: closed
    Clock::time_point last_sweep_;
    Clock::time_point last_expiry_check_;
    bool stopping_ = false;

    // Shared with other threads.
    std::mutex inbox_mutex_;
    std::vector<int> adopted_;
    std::vector<InFlight*> remote_completed_;
    bool wake_pending_ = false;
    std::atomic<bool> stop_requested_{false};
    std::atomic<int64_t> stop_deadline_{0};  // Clock ticks
    std::mutex finished_mutex_;
    std::condition_variable finished_cv_;
    bool finished_ = false;
};

}  // namespace slipway::serve
