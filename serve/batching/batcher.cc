#include "serve/batching/batcher.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <string>
#include <utility>

namespace slipway::serve {

struct Batcher::Job {
    std::shared_ptr<InferenceModel> model;
    const FeatureRows* rows = nullptr;
    bool queued = true;
    bool done = false;
    std::optional<ApiError> error;
    Predictions result;
};

Batcher::Batcher(BatcherOptions options, ServeMetrics* metrics)
    : options_(options), metrics_(metrics) {
    options_.executors = std::max<size_t>(options_.executors, 1);
    options_.max_batch_rows = std::max<size_t>(options_.max_batch_rows, 1);
}

Batcher::Arrival::Arrival(Batcher& batcher) : batcher_(batcher) {
    std::lock_guard lock(batcher_.mutex_);
    ++batcher_.arriving_;
}

void Batcher::Arrival::finish() {
    if (finished_) return;
    finished_ = true;
    batcher_.arrival_done();
}

void Batcher::arrival_done() {
    std::lock_guard lock(mutex_);
    --arriving_;
    if (leader_waiting_) joined_.notify_all();
}

ApiResult<Predictions> Batcher::run(std::shared_ptr<InferenceModel> model, const FeatureRows& rows,
                                    Clock::time_point deadline) {
    Job job;
    job.model = std::move(model);
    job.rows = &rows;

    std::unique_lock lock(mutex_);
    if (draining_) return ApiError{503, "the server is shutting down; retry on another replica"};
    if (queue_.size() >= options_.max_queue) {
        return ApiError{429, "overloaded: " + std::to_string(queue_.size()) +
                                 " requests already wait for a forward pass; retry later"};
    }
    queue_.push_back(&job);
    metrics_->set_queue_depth(queue_.size());
    if (leader_waiting_) joined_.notify_all();

    while (!job.done) {
        if (running_ < options_.executors && !queue_.empty()) {
            ++running_;
            std::deque<Job*> batch = take_batch(lock);
            size_t batch_rows = 0;
            for (const Job* member : batch) batch_rows += member->rows->rows;
            lock.unlock();
            execute(batch, batch_rows);
            lock.lock();
            for (Job* member : batch) member->done = true;
            --running_;
            done_.notify_all();
            continue;
        }
        if (job.queued && Clock::now() >= deadline) {
            queue_.erase(std::find(queue_.begin(), queue_.end(), &job));
            metrics_->set_queue_depth(queue_.size());
            done_.notify_all();  // wait_idle() may be waiting for the queue to empty
            return ApiError{503,
                            "deadline passed while waiting for a forward pass; the "
                            "server is overloaded"};
        }
        if (job.queued) {
            done_.wait_until(lock, deadline);
        } else {
            done_.wait(lock);  // our rows are in a running pass: it ends in bounded time
        }
    }
    if (job.error) return *job.error;
    return std::move(job.result);
}

// Takes the first queued job and every following one of the same model version that fits,
// waiting up to max_wait for requests that are still being parsed.
std::deque<Batcher::Job*> Batcher::take_batch(std::unique_lock<std::mutex>& lock) {
    std::deque<Job*> batch;
    size_t rows = 0;
    gather(batch, rows);
    const Clock::time_point until = Clock::now() + options_.max_wait;
    while (rows < options_.max_batch_rows && arriving_ > 0 && options_.max_wait.count() > 0) {
        leader_waiting_ = true;
        const bool timed_out = joined_.wait_until(lock, until) == std::cv_status::timeout;
        leader_waiting_ = false;
        gather(batch, rows);
        if (timed_out) break;
    }
    metrics_->set_queue_depth(queue_.size());
    return batch;
}

void Batcher::gather(std::deque<Job*>& batch, size_t& rows) {
    while (!queue_.empty()) {
        Job* next = queue_.front();
        if (!batch.empty() && (next->model != batch.front()->model ||
                               rows + next->rows->rows > options_.max_batch_rows)) {
            break;
        }
        queue_.pop_front();
        next->queued = false;
        batch.push_back(next);
        rows += next->rows->rows;
    }
}

void Batcher::execute(std::deque<Job*>& batch, size_t rows) {
    InferenceModel& model = *batch.front()->model;
    const size_t width = model.info().signature.limits.features;
    try {
        Predictions all;
        if (batch.size() == 1) {
            all = model.infer(batch.front()->rows->values.data(), rows);
        } else {
            std::vector<float> features(rows * width);
            float* cursor = features.data();
            for (const Job* job : batch) {
                cursor = std::copy(job->rows->values.begin(), job->rows->values.end(), cursor);
            }
            all = model.infer(features.data(), rows);
        }
        metrics_->record_batch(rows);
        if (batch.size() == 1) {
            batch.front()->result = std::move(all);
            return;
        }
        size_t first = 0;
        for (Job* job : batch) {
            Predictions& mine = job->result;
            mine.rows = job->rows->rows;
            mine.width = all.width;
            mine.classification = all.classification;
            mine.model_name = all.model_name;
            mine.model_version = all.model_version;
            for (const std::vector<float>& output : all.outputs) {
                const auto begin = output.begin() + static_cast<ptrdiff_t>(first * all.width);
                mine.outputs.emplace_back(begin,
                                          begin + static_cast<ptrdiff_t>(mine.rows * all.width));
            }
            first += mine.rows;
        }
    } catch (const std::exception& error) {
        for (Job* job : batch) {
            job->error = ApiError{500, std::string("forward pass failed: ") + error.what()};
        }
    }
}

void Batcher::start_draining() {
    std::lock_guard lock(mutex_);
    draining_ = true;
}

bool Batcher::wait_idle(Clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    return done_.wait_until(lock, deadline, [&] { return queue_.empty() && running_ == 0; });
}

}  // namespace slipway::serve
