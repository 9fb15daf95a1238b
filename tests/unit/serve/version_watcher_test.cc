#include "serve/repository/version_watcher.h"

#include <gtest/gtest.h>

#include "fake_model.h"

namespace slipway::serve {
namespace {

using testing::FakeModel;

struct Fixture {
    std::vector<int64_t> versions{1};
    std::set<int64_t> broken;
    int loads = 0;
    ServeMetrics metrics;
    ModelSlot slot;

    VersionWatcher watcher() {
        return VersionWatcher(
            [this] { return versions; },
            [this](int64_t v) -> Result<std::shared_ptr<InferenceModel>> {
                ++loads;
                if (broken.count(v)) {
                    return Error{ExitCode::kBadCheckpoint, "unsupported operator 'Conv'", "x", ""};
                }
                return std::shared_ptr<InferenceModel>(std::make_shared<FakeModel>(v));
            },
            &slot, &metrics, std::chrono::milliseconds(1000));
    }
};

TEST(VersionWatcherTest, SwapsInNewerVersionsOnly) {
    Fixture f;
    f.slot.swap_in(std::make_shared<FakeModel>(1));
    const std::shared_ptr<InferenceModel> held = f.slot.current();  // a request in flight
    VersionWatcher watcher = f.watcher();
    watcher.poll_once();
    EXPECT_EQ(f.loads, 0);
    f.versions = {1, 2};
    watcher.poll_once();
    EXPECT_EQ(f.slot.current()->info().version, 2);
    EXPECT_EQ(held->info().version, 1) << "a request's snapshot never changes";
    f.versions = {1};  // a version folder removed: never go back
    watcher.poll_once();
    EXPECT_EQ(f.slot.current()->info().version, 2);
    EXPECT_NE(f.metrics.render().find("slipway_serve_model_version{model=\"fake\"} 2"),
              std::string::npos);
}

TEST(VersionWatcherTest, BrokenVersionIsRefusedOnceAndTheOldOneKeepsServing) {
    Fixture f;
    f.slot.swap_in(std::make_shared<FakeModel>(1));
    VersionWatcher watcher = f.watcher();
    f.versions = {1, 2};
    f.broken = {2};
    watcher.poll_once();
    watcher.poll_once();
    EXPECT_EQ(f.loads, 1) << "a refused version is not retried";
    EXPECT_EQ(f.slot.current()->info().version, 1);
    EXPECT_NE(f.metrics.render().find("slipway_serve_model_reloads_total{result=\"failure\"} 1"),
              std::string::npos);
    f.versions = {1, 2, 3};
    watcher.poll_once();
    EXPECT_EQ(f.slot.current()->info().version, 3);
}

TEST(VersionWatcherTest, ThreadStartsAndStops) {
    Fixture f;
    f.slot.swap_in(std::make_shared<FakeModel>(1));
    VersionWatcher watcher = f.watcher();
    watcher.start();
    watcher.stop();
}

}  // namespace
}  // namespace slipway::serve
