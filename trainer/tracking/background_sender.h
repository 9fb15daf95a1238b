#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace slipway::tracking {

// One worker thread that runs jobs (network calls to a tracking server) in the order they
// were posted, so the training thread never waits on the network. The queue is bounded:
// post() never blocks; when `capacity` jobs are waiting, the new one is dropped and counted.
// A job gets a `cancelled` function that turns true once close() gave up waiting, so a job
// that retries stops early.
class BackgroundSender {
 public:
    using Cancelled = std::function<bool()>;
    using Job = std::function<void(const Cancelled&)>;

    BackgroundSender(std::string name, size_t capacity);
    ~BackgroundSender();  // close(0): whatever is queued is dropped
    BackgroundSender(const BackgroundSender&) = delete;
    BackgroundSender& operator=(const BackgroundSender&) = delete;

    // False (and the job dropped) when the queue is full or the sender is closed. `even_when_full`
    // jobs (a run's last word) get past a full queue, not past close().
    bool post(Job job, bool even_when_full = false);

    // Waits up to `timeout` for the queued jobs and the running one to finish, then stops the
    // worker: jobs still queued are dropped, a running one is cancelled and joined (it ends
    // after its current network call, whose own timeout bounds the wait). Returns true when
    // everything ran. Idempotent.
    bool close(std::chrono::milliseconds timeout);

    size_t dropped() const { return dropped_.load(); }
    const std::string& name() const { return name_; }

 private:
    void run();

    std::string name_;
    size_t capacity_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Job> queue_;
    bool busy_ = false;
    bool closing_ = false;
    std::atomic<bool> cancelled_{false};
    std::atomic<size_t> dropped_{0};
    std::thread worker_;
};

}  // namespace slipway::tracking
