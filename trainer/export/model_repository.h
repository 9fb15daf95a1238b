#pragma once

// Triton's model repository layout (DESIGN.md "Model repository"):
//
//   <repository>/<name>/config.pbtxt
//   <repository>/<name>/<version>/model.onnx
//   <repository>/<name>/<version>/slipway.json
//   <repository>/<name>/.lock              flock()ed while a version is picked and published
//
// Versions are integers that only grow: a new one is the highest existing + 1 (1 in an empty
// model folder). A version folder appears whole: it is written as `.tmp-<host>-<pid>-XXXXXX`
// in the model folder and renamed onto its number, which no reader can see half-done. Picking
// the number, writing config.pbtxt and the rename happen under the lock, so two exports at
// once (threads, processes, or pods on a volume with working flock) never share a number.

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"

namespace slipway {

// A folder name Triton and URLs take as they are: 1-128 of [A-Za-z0-9_.-], not starting
// with '.' or '-'.
bool valid_model_name(const std::string& name);

// The version folders in `model_dir` (names of decimal digits), ascending; other entries are
// ignored. Empty when the folder does not exist.
std::vector<int64_t> list_versions(const std::string& model_dir);

struct VersionContent {
    std::string model_onnx;    // the serialized ModelProto
    nlohmann::json metadata;   // slipway.json; publish_version sets "version"
    std::string config_pbtxt;  // the model's config.pbtxt (rewritten only when it changes)
};

struct PublishedVersion {
    int64_t version = 0;
    std::string model_dir;    // <repository>/<name>
    std::string version_dir;  // <repository>/<name>/<version>
};

// Publishes `content` as the next version of model `name`, creating the folders it needs.
// Also removes temporary folders that exports killed on this host left behind. Errors:
// kBadCheckpoint (exit 4) naming the path, the OS's reason and a fix.
Result<PublishedVersion> publish_version(
    const std::string& repository, const std::string& name, const VersionContent& content,
    std::chrono::milliseconds lock_timeout = std::chrono::seconds(60));

}  // namespace slipway
