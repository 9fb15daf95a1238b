#include "serve/batching/batcher.h"

#include <algorithm>
#include <exception>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace slipway::serve {
namespace {

// The slice of a batch's predictions that belongs to the request whose rows start at `first`.
Predictions slice(const Predictions& all, size_t first, size_t rows) {
    Predictions mine;
    mine.rows = rows;
    mine.width = all.width;
    mine.classification = all.classification;
    mine.model_name = all.model_name;
    mine.model_version = all.model_version;
    for (const std::vector<float>& output : all.outputs) {
        const auto begin = output.begin() + static_cast<ptrdiff_t>(first * all.width);
        mine.outputs.emplace_back(begin, begin + static_cast<ptrdiff_t>(rows * all.width));
    }
    return mine;
}

ApiError deadline_passed() {
    return ApiError{503, "deadline passed while waiting for a forward pass; the server is "
                         "overloaded"};
}

}  // namespace

Batcher::Batcher(BatcherOptions options, ServeMetrics* metrics)
    : options_(options), metrics_(metrics) {
    options_.executors = std::max<size_t>(options_.executors, 1);
    options_.max_batch_rows = std::max<size_t>(options_.max_batch_rows, 1);
    for (size_t i = 0; i < options_.executors; ++i) workers_.emplace_back([this] { work(); });
}

Batcher::~Batcher() {
    {
        std::lock_guard lock(mutex_);
        closing_ = true;
    }
    work_.notify_all();
    for (std::thread& worker : workers_) worker.join();
}

void Batcher::work() {
    std::unique_lock lock(mutex_);
    for (;;) {
        work_.wait(lock, [this] {
            return closing_ || (!queue_.empty() && running_ < options_.executors);
        });
        if (closing_) return;
        run_next_batch(lock);
        if (queue_.empty() && running_ == 0) idle_.notify_all();
    }
}

void Batcher::run_next_batch(std::unique_lock<std::mutex>& lock) {
    ++running_;
    size_t rows = 0;
    const Batch batch = take_batch(rows);
    metrics_->set_queue_depth(queue_.size());
    lock.unlock();
    execute(batch, rows);
    lock.lock();
    --running_;
}

bool Batcher::next_batch_is_cheap() const {
    const BatchJob* first = queue_.front();
    size_t rows = first->rows->rows;  // the first job goes whatever its size
    for (auto job = queue_.begin() + 1; job != queue_.end(); ++job) {
        if ((*job)->model != first->model || rows + (*job)->rows->rows > options_.max_batch_rows) {
            break;
        }
        rows += (*job)->rows->rows;
    }
    return rows * first->model->info().multiply_adds_per_row <= options_.inline_multiply_adds;
}

void Batcher::submit(std::span<BatchJob* const> jobs, bool run_any_inline) {
    std::vector<std::pair<BatchJob*, ApiError>> refused;
    std::unique_lock lock(mutex_);
    for (BatchJob* job : jobs) {
        if (draining_) {
            refused.emplace_back(job, ApiError{503, "the server is shutting down; retry on "
                                                    "another replica"});
        } else if (queue_.size() >= options_.max_queue) {
            refused.emplace_back(job, ApiError{429, "overloaded: " +
                                                        std::to_string(queue_.size()) +
                                                        " requests already wait for a forward "
                                                        "pass; retry later"});
        } else {
            queue_.push_back(job);
        }
    }
    metrics_->set_queue_depth(queue_.size());
    if (!refused.empty()) {
        lock.unlock();
        for (auto& [job, error] : refused) job->done(std::move(error));
        lock.lock();
    }
    run_passes(lock, run_any_inline);
}

void Batcher::run_passes(std::unique_lock<std::mutex>& lock, bool run_any_inline) {
    while (running_ < options_.executors && !queue_.empty()) {
        if (!run_any_inline && !next_batch_is_cheap()) {
            work_.notify_one();
            return;
        }
        run_next_batch(lock);
    }
    if (queue_.empty() && running_ == 0) idle_.notify_all();
}

Batcher::Batch Batcher::take_batch(size_t& rows) {
    Batch batch;
    while (!queue_.empty()) {
        BatchJob* next = queue_.front();
        if (!batch.empty() && (next->model != batch.front()->model ||
                               rows + next->rows->rows > options_.max_batch_rows)) {
            break;
        }
        queue_.pop_front();
        batch.push_back(next);
        rows += next->rows->rows;
    }
    return batch;
}

void Batcher::execute(const Batch& batch, size_t rows) {
    InferenceModel& model = *batch.front()->model;
    std::optional<Predictions> all;
    std::optional<ApiError> failure;
    try {
        if (batch.size() == 1) {
            all = model.infer(batch.front()->rows->values.data(), rows);
        } else {
            std::vector<float> features(rows * model.info().signature.limits.features);
            float* cursor = features.data();
            for (const BatchJob* job : batch) {
                cursor = std::copy(job->rows->values.begin(), job->rows->values.end(), cursor);
            }
            all = model.infer(features.data(), rows);
        }
        metrics_->record_batch(rows);
    } catch (const std::exception& error) {
        failure = ApiError{500, std::string("forward pass failed: ") + error.what()};
    }
    if (failure) {
        for (BatchJob* job : batch) job->done(*failure);
        return;
    }
    if (batch.size() == 1) {
        batch.front()->done(std::move(*all));
        return;
    }
    size_t first = 0;
    for (BatchJob* job : batch) {
        const size_t mine = job->rows->rows;
        job->done(slice(*all, first, mine));
        first += mine;
    }
}

ApiResult<Predictions> Batcher::run(std::shared_ptr<InferenceModel> model,
                                    const FeatureRows& rows, Clock::time_point deadline) {
    struct Waiter {
        std::mutex mutex;
        std::condition_variable answered;
        std::optional<ApiResult<Predictions>> result;
    };
    auto waiter = std::make_shared<Waiter>();
    BatchJob job{std::move(model), &rows, deadline, [waiter](ApiResult<Predictions> result) {
                     std::lock_guard lock(waiter->mutex);
                     waiter->result.emplace(std::move(result));
                     waiter->answered.notify_all();
                 }};
    BatchJob* const jobs[] = {&job};
    submit(jobs, /*run_any_inline=*/true);

    std::unique_lock lock(waiter->mutex);
    if (!waiter->answered.wait_until(lock, deadline, [&] { return waiter->result.has_value(); })) {
        lock.unlock();
        expire_overdue(Clock::now());  // answers us with 503 if we are still queued
        lock.lock();
        // Not queued any more: our rows are in a running pass, which ends in bounded time.
        waiter->answered.wait(lock, [&] { return waiter->result.has_value(); });
    }
    return std::move(*waiter->result);
}

void Batcher::expire_overdue(Clock::time_point now) {
    std::vector<BatchJob*> expired;
    {
        std::lock_guard lock(mutex_);
        if (queue_.empty()) return;
        const auto overdue = [now](const BatchJob* job) { return job->deadline <= now; };
        std::copy_if(queue_.begin(), queue_.end(), std::back_inserter(expired), overdue);
        if (expired.empty()) return;
        std::erase_if(queue_, overdue);
        metrics_->set_queue_depth(queue_.size());
    }
    for (BatchJob* job : expired) job->done(deadline_passed());
    std::lock_guard lock(mutex_);
    if (queue_.empty() && running_ == 0) idle_.notify_all();
}

void Batcher::start_draining() {
    std::lock_guard lock(mutex_);
    draining_ = true;
}

bool Batcher::wait_idle(Clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    return idle_.wait_until(lock, deadline, [&] { return queue_.empty() && running_ == 0; });
}

}  // namespace slipway::serve
