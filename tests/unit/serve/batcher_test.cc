#include "serve/batching/batcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "fake_model.h"

namespace slipway::serve {
namespace {

using std::chrono::milliseconds;
using testing::FakeModel;

FeatureRows row(float a, float b, float c) { return FeatureRows{{a, b, c}, 1, 3}; }

Batcher::Clock::time_point in(milliseconds delay) { return Batcher::Clock::now() + delay; }

TEST(BatcherTest, LoneRequestRunsAtOnce) {
    ServeMetrics metrics;
    Batcher batcher({}, &metrics);
    auto model = std::make_shared<FakeModel>();
    const FeatureRows rows = row(1, 2, 3);
    ApiResult<Predictions> result = batcher.run(model, rows, in(milliseconds(1000)));
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(result->rows, 1u);
    EXPECT_EQ(result->outputs[0][0], 6.0f);
    EXPECT_EQ(model->passes(), std::vector<size_t>{1});
}

TEST(BatcherTest, ConcurrentRequestsShareForwardPassesAndGetTheirOwnRows) {
    ServeMetrics metrics;
    BatcherOptions options;
    options.executors = 1;
    Batcher batcher(options, &metrics);
    auto model = std::make_shared<FakeModel>(1, milliseconds(20));
    constexpr int kRequests = 16;
    std::vector<std::thread> threads;
    std::atomic<int> correct{0};
    for (int i = 0; i < kRequests; ++i) {
        threads.emplace_back([&, i] {
            const FeatureRows rows = row(static_cast<float>(i), 0, 0);
            ApiResult<Predictions> result = batcher.run(model, rows, in(milliseconds(5000)));
            if (result.ok() && result->rows == 1 && result->outputs[0][0] == i) ++correct;
        });
    }
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(correct.load(), kRequests);
    const std::vector<size_t> passes = model->passes();
    EXPECT_LT(passes.size(), static_cast<size_t>(kRequests)) << "no request was batched";
}

TEST(BatcherTest, FullQueueAnswers429AndDrainingAnswers503) {
    ServeMetrics metrics;
    BatcherOptions options;
    options.executors = 1;
    options.max_queue = 1;
    options.max_batch_rows = 1;
    Batcher batcher(options, &metrics);
    auto model = std::make_shared<FakeModel>(1, milliseconds(300));
    const FeatureRows rows = row(1, 1, 1);
    std::thread running([&] { (void)batcher.run(model, rows, in(milliseconds(5000))); });
    std::this_thread::sleep_for(milliseconds(50));  // the first pass runs, the queue is empty
    std::thread queued([&] { (void)batcher.run(model, rows, in(milliseconds(5000))); });
    std::this_thread::sleep_for(milliseconds(50));  // one request waits: the queue is full
    const auto started = Batcher::Clock::now();
    ApiResult<Predictions> refused = batcher.run(model, rows, in(milliseconds(5000)));
    EXPECT_LT(Batcher::Clock::now() - started, milliseconds(50)) << "429 must come at once";
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().status, 429);
    batcher.start_draining();
    ApiResult<Predictions> draining = batcher.run(model, rows, in(milliseconds(5000)));
    ASSERT_FALSE(draining.ok());
    EXPECT_EQ(draining.error().status, 503);
    running.join();
    queued.join();
    EXPECT_TRUE(batcher.wait_idle(in(milliseconds(1000))));
}

TEST(BatcherTest, DeadlineWhileQueuedAnswers503) {
    ServeMetrics metrics;
    BatcherOptions options;
    options.executors = 1;
    options.max_batch_rows = 1;
    Batcher batcher(options, &metrics);
    auto model = std::make_shared<FakeModel>(1, milliseconds(300));
    const FeatureRows rows = row(1, 1, 1);
    std::thread running([&] { (void)batcher.run(model, rows, in(milliseconds(5000))); });
    std::this_thread::sleep_for(milliseconds(50));
    ApiResult<Predictions> late = batcher.run(model, rows, in(milliseconds(30)));
    ASSERT_FALSE(late.ok());
    EXPECT_EQ(late.error().status, 503);
    EXPECT_NE(late.error().message.find("deadline"), std::string::npos);
    running.join();
}

TEST(BatcherTest, VersionsAreNeverMixedInOnePass) {
    ServeMetrics metrics;
    BatcherOptions options;
    options.executors = 1;
    Batcher batcher(options, &metrics);
    auto old_model = std::make_shared<FakeModel>(1, milliseconds(50));
    auto new_model = std::make_shared<FakeModel>(2, milliseconds(50));
    std::vector<std::thread> threads;
    std::atomic<int> right_version{0};
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&, i] {
            auto model = i % 2 == 0 ? old_model : new_model;
            const FeatureRows rows = row(1, 2, 3);
            ApiResult<Predictions> result = batcher.run(model, rows, in(milliseconds(5000)));
            if (result.ok() && result->model_version == model->info().version) ++right_version;
        });
    }
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(right_version.load(), 8);
}

// Collects what `done` gives a job, and on which thread.
struct Answer {
    std::mutex mutex;
    std::condition_variable came;
    std::optional<ApiResult<Predictions>> result;
    std::thread::id thread;

    BatchJob job(std::shared_ptr<InferenceModel> model, const FeatureRows& rows,
                 Batcher::Clock::time_point deadline) {
        return BatchJob{std::move(model), &rows, deadline, [this](ApiResult<Predictions> r) {
                            std::lock_guard lock(mutex);
                            result.emplace(std::move(r));
                            thread = std::this_thread::get_id();
                            came.notify_all();
                        }};
    }
    bool wait() {
        std::unique_lock lock(mutex);
        return came.wait_for(lock, milliseconds(5000), [this] { return result.has_value(); });
    }
};

TEST(BatcherTest, AGroupSubmittedTogetherSharesOnePassOnTheSubmittingThread) {
    ServeMetrics metrics;
    Batcher batcher({}, &metrics);
    auto model = std::make_shared<FakeModel>();
    std::vector<FeatureRows> rows;
    for (int i = 0; i < 5; ++i) rows.push_back(row(static_cast<float>(i), 0, 0));
    std::vector<Answer> answers(5);
    std::vector<BatchJob> jobs;
    for (int i = 0; i < 5; ++i) jobs.push_back(answers[i].job(model, rows[i], in(milliseconds(1000))));
    std::vector<BatchJob*> group;
    for (BatchJob& job : jobs) group.push_back(&job);
    batcher.submit(group);
    EXPECT_EQ(model->passes(), std::vector<size_t>{5});
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(answers[i].result.has_value()) << "a cheap pass runs before submit returns";
        ASSERT_TRUE(answers[i].result->ok());
        EXPECT_EQ(answers[i].result->value().outputs[0][0], static_cast<float>(i));
        EXPECT_EQ(answers[i].thread, std::this_thread::get_id());
    }
}

TEST(BatcherTest, ACostlyBatchRunsOnAWorkerAndSubmitReturnsAtOnce) {
    ServeMetrics metrics;
    Batcher batcher({}, &metrics);
    auto model = std::make_shared<FakeModel>(1, milliseconds(200));
    model->set_cost(1u << 30);
    const FeatureRows rows = row(1, 2, 3);
    Answer answer;
    BatchJob job = answer.job(model, rows, in(milliseconds(5000)));
    BatchJob* const group[] = {&job};
    const auto started = Batcher::Clock::now();
    batcher.submit(group);
    EXPECT_LT(Batcher::Clock::now() - started, milliseconds(100)) << "an event loop must not wait";
    ASSERT_TRUE(answer.wait());
    ASSERT_TRUE(answer.result->ok());
    EXPECT_NE(answer.thread, std::this_thread::get_id());
    EXPECT_TRUE(batcher.wait_idle(in(milliseconds(1000))));
}

TEST(BatcherTest, ExpireOverdueAnswersQueuedJobsPastTheirDeadline) {
    ServeMetrics metrics;
    BatcherOptions options;
    options.executors = 1;
    options.max_batch_rows = 1;
    Batcher batcher(options, &metrics);
    auto model = std::make_shared<FakeModel>(1, milliseconds(300));
    model->set_cost(1u << 30);
    const FeatureRows rows = row(1, 1, 1);
    Answer running, queued;
    BatchJob first = running.job(model, rows, in(milliseconds(5000)));
    BatchJob second = queued.job(model, rows, in(milliseconds(20)));
    BatchJob* const group[] = {&first, &second};
    batcher.submit(group);
    batcher.expire_overdue(Batcher::Clock::now());
    EXPECT_FALSE(queued.result.has_value()) << "not yet past its deadline";
    std::this_thread::sleep_for(milliseconds(30));
    batcher.expire_overdue(Batcher::Clock::now());
    ASSERT_TRUE(queued.result.has_value());
    ASSERT_FALSE(queued.result->ok());
    EXPECT_EQ(queued.result->error().status, 503);
    ASSERT_TRUE(running.wait());
    EXPECT_TRUE(running.result->ok());
}

}  // namespace
}  // namespace slipway::serve
