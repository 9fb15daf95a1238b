#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "serve/metrics/serve_metrics.h"
#include "serve/model/inference_model.h"
#include "serve/protocol/api_error.h"
#include "serve/protocol/feature_rows.h"
#include "serve/protocol/predictions.h"

namespace slipway::serve {

struct BatcherOptions {
    size_t max_queue = 256;       // requests waiting for a forward pass; beyond: 429
    size_t max_batch_rows = 256;  // rows merged into one forward pass
    size_t executors = 1;         // forward passes running at once (--threads)
    // A batch up to this many multiply-adds runs on the thread that submitted it (an event
    // loop: no hand-off, and the loop is busy for well under a millisecond); a larger one goes
    // to a worker thread so that the loop goes on answering. 8M: ~0.1-0.3 ms of sgemm here.
    size_t inline_multiply_adds = 8u << 20;
};

// One request's rows on their way through a forward pass.
struct BatchJob {
    using Clock = std::chrono::steady_clock;

    std::shared_ptr<InferenceModel> model;  // the version the request was admitted on
    const FeatureRows* rows = nullptr;      // must outlive the call of `done`
    Clock::time_point deadline;
    // Called exactly once, on whichever thread ran the pass or refused the job, never under
    // the batcher's lock: the predictions, or 429 queue full, 503 draining or deadline passed
    // while queued, 500 if the forward pass threw.
    std::function<void(ApiResult<Predictions>)> done;
};

// Dynamic batching by combining: submit() queues a group of jobs (an event loop submits every
// request one wake-up of epoll produced), and whenever fewer than `executors` forward passes
// run, the next batch (every queued job of the first one's model version, up to
// max_batch_rows rows) runs in one pass: on the submitting thread itself when it is cheap
// (inline_multiply_adds), else on one of `executors` worker threads. Jobs that arrive while
// every slot is busy pile up and share the next pass, so batches grow with load and a lone
// request never waits. The queue is bounded (429 past it, 503 once draining) and a queued job
// past its deadline leaves with 503 (expire_overdue).
class Batcher {
 public:
    using Clock = BatchJob::Clock;

    Batcher(BatcherOptions options, ServeMetrics* metrics);
    ~Batcher();
    Batcher(const Batcher&) = delete;
    Batcher& operator=(const Batcher&) = delete;

    // Queues `jobs` in order (those that do not fit are refused through their `done`), then
    // runs cheap batches on the calling thread while a slot is free (any batch, if
    // `run_any_inline`: a caller that would only wait anyway). The jobs must stay alive until
    // their `done` has been called.
    void submit(std::span<BatchJob* const> jobs, bool run_any_inline = false);

    // Runs `rows` and waits for the predictions: submit() of one job, for callers without an
    // event loop.
    ApiResult<Predictions> run(std::shared_ptr<InferenceModel> model, const FeatureRows& rows,
                               Clock::time_point deadline);

    // Answers 503 to every queued job whose deadline is before `now`; event loops call it
    // while they have jobs out, so a job behind a long pass still hears back on time.
    void expire_overdue(Clock::time_point now);

    // From now on new jobs get 503; queued and running ones still finish.
    void start_draining();
    // Waits until nothing is queued or running (every `done` called), or `deadline`; true
    // when idle.
    bool wait_idle(Clock::time_point deadline);

 private:
    using Batch = std::deque<BatchJob*>;

    // Under the lock: the first queued job and every following one of the same model version
    // that fits in max_batch_rows.
    Batch take_batch(size_t& rows);
    // Under the lock: would the next batch be cheap enough to run inline?
    bool next_batch_is_cheap() const;
    void execute(const Batch& batch, size_t rows);
    void run_passes(std::unique_lock<std::mutex>& lock, bool run_any_inline);
    // Takes the next batch and runs it with the lock released.
    void run_next_batch(std::unique_lock<std::mutex>& lock);
    void work();

    BatcherOptions options_;
    ServeMetrics* metrics_;
    std::mutex mutex_;
    std::condition_variable idle_;  // the queue emptied and no pass runs
    std::condition_variable work_;  // a batch for a worker
    std::deque<BatchJob*> queue_;
    size_t running_ = 0;
    bool draining_ = false;
    bool closing_ = false;
    std::vector<std::thread> workers_;
};

}  // namespace slipway::serve
