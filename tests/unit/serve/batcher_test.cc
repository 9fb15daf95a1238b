#include "serve/batching/batcher.h"

#include <gtest/gtest.h>

#include <atomic>
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

}  // namespace
}  // namespace slipway::serve
