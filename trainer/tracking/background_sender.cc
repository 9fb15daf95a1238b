#include "tracking/background_sender.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <utility>

namespace slipway::tracking {

BackgroundSender::BackgroundSender(std::string name, size_t capacity)
    : name_(std::move(name)), capacity_(capacity), worker_([this] { run(); }) {}

BackgroundSender::~BackgroundSender() { close(std::chrono::milliseconds(0)); }

bool BackgroundSender::post(Job job, bool even_when_full) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (closing_ || (queue_.size() >= capacity_ && !even_when_full)) {
            ++dropped_;
            return false;
        }
        queue_.push_back(std::move(job));
    }
    changed_.notify_all();
    return true;
}

bool BackgroundSender::close(std::chrono::milliseconds timeout) {
    bool drained = false;
    {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!worker_.joinable()) return queue_.empty() && !busy_;
        drained = changed_.wait_for(lock, timeout, [this] { return queue_.empty() && !busy_; });
        closing_ = true;
        dropped_ += queue_.size();
        queue_.clear();
    }
    cancelled_ = true;
    changed_.notify_all();
    worker_.join();
    return drained;
}

void BackgroundSender::run() {
    const Cancelled cancelled = [this] { return cancelled_.load(); };
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
        changed_.wait(lock, [this] { return closing_ || !queue_.empty(); });
        if (queue_.empty()) return;  // closing and nothing left
        Job job = std::move(queue_.front());
        queue_.pop_front();
        busy_ = true;
        lock.unlock();
        try {
            job(cancelled);
        } catch (const std::exception& failure) {  // a job's bug must not end the process
            spdlog::warn("{}: a background send failed: {}", name_, failure.what());
        }
        lock.lock();
        busy_ = false;
        changed_.notify_all();
    }
}

}  // namespace slipway::tracking
