#include "comm/gloo_sync_ring.h"

#include <gloo/barrier_all_to_all.h>
#include <gloo/common/error.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/hash_store.h>
#include <gloo/transport/tcp/device.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <future>
#include <string>
#include <vector>

namespace slipway {
namespace {

using namespace std::chrono_literals;

// Runs `body(rank, ring, context)` on `world` threads, each a rank with its own gloo context
// over loopback TCP; returns what each rank's body threw ("" when nothing).
std::vector<std::string> on_ranks(
    int world, const std::function<void(int, GlooSyncRing&, std::shared_ptr<gloo::Context>)>& body,
    std::chrono::milliseconds timeout = 20s,
    const std::function<size_t(int)>& block_of = [](int) { return sync_ring_block_bytes(); }) {
    gloo::rendezvous::HashStore store;
    std::vector<std::future<std::string>> ranks;
    for (int rank = 0; rank < world; ++rank) {
        ranks.push_back(std::async(std::launch::async, [&, rank]() -> std::string {
            try {
                gloo::transport::tcp::attr attr;
                attr.hostname = "127.0.0.1";
                auto context = std::make_shared<gloo::rendezvous::Context>(rank, world);
                context->setTimeout(timeout);
                auto device = gloo::transport::tcp::CreateDevice(attr);
                context->connectFullMesh(store, device);
                GlooSyncRing ring(context, block_of(rank));
                body(rank, ring, context);
                return "";
            } catch (const std::exception& error) {
                return error.what();
            }
        }));
    }
    std::vector<std::string> errors;
    for (auto& rank : ranks) errors.push_back(rank.get());
    return errors;
}

// Rank r contributes r + 1 + i % 7 at element i: small integers, so every sum is exact.
template <class T>
std::vector<T> contribution(int rank, size_t count) {
    std::vector<T> data(count);
    for (size_t i = 0; i < count; ++i) data[i] = static_cast<T>(rank + 1 + static_cast<int>(i % 7));
    return data;
}

template <class T>
void expect_sums(int world, size_t count) {
    std::vector<std::vector<T>> results(static_cast<size_t>(world));
    const auto errors = on_ranks(world, [&](int rank, GlooSyncRing& ring, auto) {
        std::vector<T> data = contribution<T>(rank, count);
        ring.allreduce_sum(data.data(), data.size());
        results[static_cast<size_t>(rank)] = std::move(data);
    });
    for (int rank = 0; rank < world; ++rank) {
        ASSERT_EQ(errors[static_cast<size_t>(rank)], "") << "rank " << rank;
        const std::vector<T>& got = results[static_cast<size_t>(rank)];
        ASSERT_EQ(got.size(), count);
        for (size_t i = 0; i < count; ++i) {
            const T expected = static_cast<T>(world * (world + 1) / 2 + world * static_cast<int>(i % 7));
            ASSERT_EQ(got[i], expected) << "rank " << rank << " element " << i << " of " << count;
        }
    }
}

TEST(GlooSyncRing, SumsEverySizeOnTwoThreeAndFourRanks) {
    const size_t block = sync_ring_block_bytes() / sizeof(float);
    for (int world : {2, 3, 4}) {
        // Fewer elements than ranks (empty blocks), one round exactly, and several rounds with
        // a ragged last one: the last forces many blocks through each rank's staging buffer.
        for (size_t count : {size_t{1}, size_t{3}, size_t{1000}, block * world,
                             3 * block * world + 7}) {
            SCOPED_TRACE("world " + std::to_string(world) + ", count " + std::to_string(count));
            expect_sums<float>(world, count);
        }
    }
}

TEST(GlooSyncRing, RanksWhoseHostsAffordDifferentBlocksAgreeOnTheSmallest) {
    std::vector<size_t> blocks(3);
    const auto errors = on_ranks(
        3,
        [&](int rank, GlooSyncRing& ring, auto) {
            blocks[static_cast<size_t>(rank)] = ring.block_bytes();
            std::vector<float> data(50000, static_cast<float>(rank + 1));
            ring.allreduce_sum(data.data(), data.size());
            for (float value : data) {
                if (value != 6.0f) throw std::runtime_error("got " + std::to_string(value));
            }
        },
        5s, [](int rank) { return size_t{4096} << rank; });
    for (const std::string& error : errors) EXPECT_EQ(error, "");
    EXPECT_EQ(blocks, (std::vector<size_t>{4096, 4096, 4096}));
}

TEST(GlooSyncRing, SumsDoublesToo) {
    expect_sums<double>(3, 2 * sync_ring_block_bytes() / sizeof(double) + 5);
}

TEST(GlooSyncRing, BackToBackCallsOnDifferentBuffersAndBarriersInBetween) {
    // Credits left over from one call are consumed by the next; gloo's Buffer-based barrier
    // shares the sync-mode pairs.
    const auto errors = on_ranks(3, [](int rank, GlooSyncRing& ring, auto context) {
        gloo::BarrierAllToAll barrier(context);
        for (int call = 0; call < 20; ++call) {
            std::vector<float> data(static_cast<size_t>(1 + call * 997), static_cast<float>(rank));
            ring.allreduce_sum(data.data(), data.size());
            for (float value : data) {
                if (value != 3.0f) throw std::runtime_error("call " + std::to_string(call) + " got " + std::to_string(value));
            }
            if (call % 5 == 0) barrier.run();
        }
    });
    for (const std::string& error : errors) EXPECT_EQ(error, "");
}

TEST(GlooSyncRing, APeerThatStopsAnsweringIsAnIoExceptionAtTheTimeout) {
    // Rank 1 never calls: rank 0's read waits out the context's timeout, then throws.
    const auto started = std::chrono::steady_clock::now();
    const auto errors = on_ranks(
        2,
        [](int rank, GlooSyncRing& ring, auto) {
            if (rank == 1) {
                std::this_thread::sleep_for(1500ms);
                return;
            }
            std::vector<float> data(100000, 1.0f);
            try {
                ring.allreduce_sum(data.data(), data.size());
            } catch (const gloo::IoException& error) {
                throw std::runtime_error(std::string("IoException: ") + error.what());
            }
        },
        500ms);
    const auto elapsed = std::chrono::steady_clock::now() - started;
    EXPECT_NE(errors[0].find("IoException: "), std::string::npos) << errors[0];
    EXPECT_NE(errors[0].find("timeout"), std::string::npos) << errors[0];
    EXPECT_LT(elapsed, 10s);
}

}  // namespace
}  // namespace slipway
