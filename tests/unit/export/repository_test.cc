// The model repository: integer versions that only grow, version folders that appear whole,
// distinct versions for concurrent exports (threads and processes), config.pbtxt.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "export/durable_files.h"
#include "export/model_repository.h"
#include "export/triton_config.h"
#include "temp_dir.h"

namespace slipway {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::TempDir;

VersionContent content(const std::string& marker = "onnx-bytes") {
    VersionContent c;
    c.model_onnx = marker;
    c.metadata = {{"name", "m"}};
    c.config_pbtxt = "name: \"m\"\n";
    return c;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> entries(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

TEST(ModelRepository, VersionsStartAtOneAndGrow) {
    TempDir dir;
    for (int64_t expected = 1; expected <= 3; ++expected) {
        auto published = publish_version(dir.path(), "m", content(std::to_string(expected)));
        ASSERT_TRUE(published.ok()) << published.error().message();
        EXPECT_EQ(published->version, expected);
        EXPECT_EQ(published->version_dir, dir.path() + "/m/" + std::to_string(expected));
        EXPECT_EQ(read_text(published->version_dir + "/model.onnx"), std::to_string(expected));
        const auto meta =
            nlohmann::json::parse(read_text(published->version_dir + "/slipway.json"));
        EXPECT_EQ(meta["version"], expected);
        EXPECT_EQ(meta["name"], "m");
        // Readable by a server running as another user.
        const auto perms = fs::status(published->version_dir).permissions();
        EXPECT_NE(perms & fs::perms::others_read, fs::perms::none);
        EXPECT_NE(perms & fs::perms::others_exec, fs::perms::none);
    }
    // Nothing but versions, the config and the lock: no temporary folder is left.
    EXPECT_EQ(entries(dir.path() + "/m"),
              (std::vector<std::string>{".lock", "1", "2", "3", "config.pbtxt"}));
    EXPECT_EQ(read_text(dir.path() + "/m/config.pbtxt"), "name: \"m\"\n");
}

TEST(ModelRepository, NextVersionIsTheHighestPlusOneAndIgnoresOtherEntries) {
    TempDir dir;
    fs::create_directories(dir.path() + "/m/7");
    fs::create_directories(dir.path() + "/m/3");
    fs::create_directories(dir.path() + "/m/latest");
    fs::create_directories(dir.path() + "/m/-4");
    std::ofstream(dir.path() + "/m/12") << "a file, not a version";
    EXPECT_EQ(list_versions(dir.path() + "/m"), (std::vector<int64_t>{3, 7}));
    auto published = publish_version(dir.path(), "m", content());
    ASSERT_TRUE(published.ok()) << published.error().message();
    EXPECT_EQ(published->version, 8);
    EXPECT_TRUE(list_versions(dir.path() + "/absent").empty());
}

TEST(ModelRepository, ConcurrentThreadsNeverShareAVersion) {
    TempDir dir;
    constexpr int kThreads = 8, kEach = 4;
    std::mutex mutex;
    std::vector<int64_t> versions;
    std::vector<std::string> failures;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i) {
                const std::string marker = std::to_string(t) + "/" + std::to_string(i);
                auto published = publish_version(dir.path(), "m", content(marker));
                std::lock_guard<std::mutex> hold(mutex);
                if (!published.ok()) {
                    failures.push_back(published.error().message());
                    continue;
                }
                versions.push_back(published->version);
                if (read_text(published->version_dir + "/model.onnx") != marker) {
                    failures.push_back("version " + std::to_string(published->version) +
                                       " holds another export's model");
                }
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_TRUE(failures.empty()) << failures.front();
    std::sort(versions.begin(), versions.end());
    std::vector<int64_t> expected(kThreads * kEach);
    for (size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<int64_t>(i) + 1;
    EXPECT_EQ(versions, expected);
}

TEST(ModelRepository, ConcurrentProcessesNeverShareAVersion) {
    TempDir dir;
    constexpr int kProcesses = 4, kEach = 5;
    std::vector<pid_t> children;
    for (int p = 0; p < kProcesses; ++p) {
        const pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            int failed = 0;
            for (int i = 0; i < kEach; ++i) {
                const std::string marker = "process " + std::to_string(p) + "/" + std::to_string(i);
                auto published = publish_version(dir.path(), "m", content(marker));
                if (!published.ok() ||
                    read_text(published->version_dir + "/model.onnx") != marker) {
                    failed = 1;
                }
            }
            _exit(failed);
        }
        children.push_back(pid);
    }
    for (pid_t pid : children) {
        int status = 0;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    const auto versions = list_versions(dir.path() + "/m");
    ASSERT_EQ(versions.size(), static_cast<size_t>(kProcesses * kEach));
    EXPECT_EQ(versions.front(), 1);
    EXPECT_EQ(versions.back(), kProcesses * kEach);
    std::set<std::string> models;
    for (int64_t v : versions) {
        models.insert(read_text(dir.path() + "/m/" + std::to_string(v) + "/model.onnx"));
    }
    EXPECT_EQ(models.size(), versions.size());  // each version holds one export's model
}

TEST(ModelRepository, AHeldLockTimesOutWithAnErrorNamingIt) {
    TempDir dir;
    fs::create_directories(dir.path() + "/m");
    auto held = FileLock::acquire(dir.path() + "/m/.lock", std::chrono::milliseconds(100));
    ASSERT_TRUE(held.ok());
    auto published = publish_version(dir.path(), "m", content(), std::chrono::milliseconds(50));
    ASSERT_FALSE(published.ok());
    EXPECT_EQ(published.error().code, ExitCode::kBadCheckpoint);
    EXPECT_THAT(published.error().message(), HasSubstr("m/.lock: another export has held"));
    EXPECT_EQ(entries(dir.path() + "/m"), (std::vector<std::string>{".lock"}));  // no temp left
}

TEST(ModelRepository, RemovesTemporaryFoldersOfDeadExportsOnThisHost) {
    TempDir dir;
    fs::create_directories(dir.path() + "/m");
    char host[256] = {};
    gethostname(host, sizeof(host) - 1);
    std::string name(host);
    std::replace(name.begin(), name.end(), '-', '_');
    // A pid that no longer runs: a child that has exited and been reaped.
    const pid_t dead = fork();
    if (dead == 0) _exit(0);
    waitpid(dead, nullptr, 0);
    const std::string abandoned =
        dir.path() + "/m/.tmp-" + name + "-" + std::to_string(dead) + "-AbCdEf";
    const std::string other_host =
        dir.path() + "/m/.tmp-elsewhere-" + std::to_string(dead) + "-AbCdEf";
    fs::create_directories(abandoned);
    fs::create_directories(other_host);
    ASSERT_TRUE(publish_version(dir.path(), "m", content()).ok());
    EXPECT_FALSE(fs::exists(abandoned));
    EXPECT_TRUE(fs::exists(other_host));  // its pid means nothing here
}

TEST(ModelRepository, ConfigIsReplacedOnlyWhenItChanges) {
    TempDir dir;
    ASSERT_TRUE(publish_version(dir.path(), "m", content()).ok());
    const auto first = fs::last_write_time(dir.path() + "/m/config.pbtxt");
    ASSERT_TRUE(publish_version(dir.path(), "m", content()).ok());
    EXPECT_EQ(fs::last_write_time(dir.path() + "/m/config.pbtxt"), first);
    VersionContent changed = content();
    changed.config_pbtxt = "name: \"m\"\nmax_batch_size: 8\n";
    ASSERT_TRUE(publish_version(dir.path(), "m", changed).ok());
    EXPECT_EQ(read_text(dir.path() + "/m/config.pbtxt"), changed.config_pbtxt);
}

TEST(ModelRepository, RefusesBadNamesAndUnwritableRepositories) {
    TempDir dir;
    for (const char* bad : {"", ".hidden", "-x", "a/b", "a b", "..", "\xc3\xa9"}) {
        EXPECT_FALSE(valid_model_name(bad)) << bad;
    }
    for (const char* good : {"m", "fashion-mnist", "mlp_v2.1", "A9"}) {
        EXPECT_TRUE(valid_model_name(good)) << good;
    }
    auto bad = publish_version(dir.path(), "a/b", content());
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, ExitCode::kBadSpec);

    std::ofstream(dir.file("file")) << "not a folder";
    auto blocked = publish_version(dir.file("file"), "m", content());
    ASSERT_FALSE(blocked.ok());
    EXPECT_EQ(blocked.error().code, ExitCode::kBadCheckpoint);
    EXPECT_THAT(blocked.error().message(), HasSubstr("cannot create the model folder"));
}

TEST(TritonConfig, WritesTheOnnxRuntimeConfigWithDynamicBatching) {
    const std::string text = triton_config("fashion-mnist", 64, {"features", 784},
                                           {{"logits", 10}, {"probabilities", 10}});
    EXPECT_EQ(text,
              "# Written by slipway-train export (docs/export.md).\n"
              "name: \"fashion-mnist\"\n"
              "platform: \"onnxruntime_onnx\"\n"
              "max_batch_size: 64\n"
              "input [\n"
              "  {\n    name: \"features\"\n    data_type: TYPE_FP32\n    dims: [ 784 ]\n  }\n"
              "]\n"
              "output [\n"
              "  {\n    name: \"logits\"\n    data_type: TYPE_FP32\n    dims: [ 10 ]\n  },\n"
              "  {\n    name: \"probabilities\"\n    data_type: TYPE_FP32\n    dims: [ 10 ]\n"
              "  }\n"
              "]\n"
              "dynamic_batching { }\n");
}

}  // namespace
}  // namespace slipway
