#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>

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
    // How long a forward pass may wait for more rows, and only while other requests are
    // being parsed (so an idle server never waits): see docs/serving.md "Batching".
    std::chrono::microseconds max_wait{100};
};

// Dynamic batching by combining: a request thread queues its rows; whenever fewer than
// `executors` forward passes run, the thread at hand takes every queued request of the same
// model version (up to max_batch_rows rows), runs one forward pass for all of them, and hands
// each its slice. Requests that arrive while passes run pile up and go in the next pass, so
// batches grow with load and a lone request never waits. The queue is bounded (429 past it,
// 503 once draining), and a request still queued at its deadline leaves with 503.
class Batcher {
 public:
    using Clock = std::chrono::steady_clock;

    Batcher(BatcherOptions options, ServeMetrics* metrics);

    // Runs `rows` on `model` (the version the request was admitted on) and returns its
    // predictions, or an ApiError: 429 queue full, 503 draining or deadline passed while
    // queued, 500 if the forward pass threw.
    ApiResult<Predictions> run(std::shared_ptr<InferenceModel> model, const FeatureRows& rows,
                               Clock::time_point deadline);

    // A request being parsed that will call run() soon; forward passes may wait (max_wait)
    // for such requests to join them. Construct before parsing, finish() before run().
    class Arrival {
     public:
        explicit Arrival(Batcher& batcher);
        ~Arrival() { finish(); }
        Arrival(const Arrival&) = delete;
        Arrival& operator=(const Arrival&) = delete;

        void finish();

     private:
        Batcher& batcher_;
        bool finished_ = false;
    };

    // From now on run() answers 503; queued and running requests still finish.
    void start_draining();
    // Waits until nothing is queued or running, or `deadline`; true when idle.
    bool wait_idle(Clock::time_point deadline);

 private:
    struct Job;

    std::deque<Job*> take_batch(std::unique_lock<std::mutex>& lock);
    void gather(std::deque<Job*>& batch, size_t& rows);
    void execute(std::deque<Job*>& batch, size_t rows);
    void arrival_done();

    BatcherOptions options_;
    ServeMetrics* metrics_;
    std::mutex mutex_;
    std::condition_variable done_;    // a forward pass finished
    std::condition_variable joined_;  // a job was queued or an arrival ended
    std::deque<Job*> queue_;
    size_t running_ = 0;
    size_t arriving_ = 0;
    bool leader_waiting_ = false;
    bool draining_ = false;
};

}  // namespace slipway::serve
