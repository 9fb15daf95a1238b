#include "tracking/background_sender.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace slipway::tracking {
namespace {

using namespace std::chrono_literals;

TEST(BackgroundSenderTest, RunsJobsInOrderOffTheCallingThread) {
    BackgroundSender sender("test", 16);
    std::mutex mutex;
    std::vector<int> order;
    const auto caller = std::this_thread::get_id();
    std::atomic<bool> other_thread{true};
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(sender.post([&, i](const auto&) {
            if (std::this_thread::get_id() == caller) other_thread = false;
            std::lock_guard<std::mutex> lock(mutex);
            order.push_back(i);
        }));
    }
    EXPECT_TRUE(sender.close(5s));
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    EXPECT_TRUE(other_thread);
    EXPECT_EQ(sender.dropped(), 0u);
}

TEST(BackgroundSenderTest, PostNeverBlocksAndDropsWhenFull) {
    BackgroundSender sender("test", 2);
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::promise<void> started;
    ASSERT_TRUE(sender.post([&](const auto&) {
        started.set_value();
        released.wait();
    }));
    started.get_future().wait();  // the worker holds job 1; the queue is empty again
    const auto before = std::chrono::steady_clock::now();
    EXPECT_TRUE(sender.post([](const auto&) {}));
    EXPECT_TRUE(sender.post([](const auto&) {}));
    EXPECT_FALSE(sender.post([](const auto&) {}));  // capacity 2: dropped
    EXPECT_TRUE(sender.post([](const auto&) {}, /*even_when_full=*/true));
    EXPECT_LT(std::chrono::steady_clock::now() - before, 100ms);
    EXPECT_EQ(sender.dropped(), 1u);
    release.set_value();
    EXPECT_TRUE(sender.close(5s));
}

TEST(BackgroundSenderTest, CloseGivesUpAtItsDeadlineAndCancelsTheRunningJob) {
    BackgroundSender sender("test", 4);
    std::atomic<bool> saw_cancel{false};
    std::atomic<int> later_ran{0};
    ASSERT_TRUE(sender.post([&](const BackgroundSender::Cancelled& cancelled) {
        // A job that retries until cancelled (a server that never answers).
        while (!cancelled()) std::this_thread::sleep_for(1ms);
        saw_cancel = true;
    }));
    ASSERT_TRUE(sender.post([&](const auto&) { ++later_ran; }));
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(sender.close(100ms));
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_GE(took, 100ms);
    EXPECT_LT(took, 2s);
    EXPECT_TRUE(saw_cancel);
    EXPECT_EQ(later_ran, 0);  // queued behind: dropped
    EXPECT_EQ(sender.dropped(), 1u);
    EXPECT_FALSE(sender.post([](const auto&) {}));  // closed
}

TEST(BackgroundSenderTest, AThrowingJobDoesNotStopTheWorker) {
    BackgroundSender sender("test", 4);
    std::atomic<int> ran{0};
    ASSERT_TRUE(sender.post([](const auto&) { throw std::runtime_error("boom"); }));
    ASSERT_TRUE(sender.post([&](const auto&) { ++ran; }));
    EXPECT_TRUE(sender.close(5s));
    EXPECT_EQ(ran, 1);
}

TEST(BackgroundSenderTest, DestructorStopsPromptly) {
    const auto start = std::chrono::steady_clock::now();
    {
        BackgroundSender sender("test", 4);
        ASSERT_TRUE(sender.post([](const BackgroundSender::Cancelled& cancelled) {
            while (!cancelled()) std::this_thread::sleep_for(1ms);
        }));
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

}  // namespace
}  // namespace slipway::tracking
