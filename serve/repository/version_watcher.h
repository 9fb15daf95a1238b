#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "common/status.h"
#include "serve/metrics/serve_metrics.h"
#include "serve/model/inference_model.h"
#include "serve/repository/model_slot.h"

namespace slipway::serve {

// Loads one version of the watched model; load_version() in production, a fake in tests.
using VersionLoader = std::function<Result<std::shared_ptr<InferenceModel>>(int64_t version)>;
// The versions present now (ascending); export's list_versions() in production.
using VersionLister = std::function<std::vector<int64_t>()>;

// Polls the model folder and serves each new highest version: it is loaded aside while the
// current one keeps serving, then swapped in (ModelSlot). A version that fails to load is
// logged, counted (slipway_serve_model_reloads_total{result="failure"}) and never retried;
// the old version keeps serving. Versions only grow, so a lower one is never swapped in.
class VersionWatcher {
 public:
    VersionWatcher(VersionLister list, VersionLoader load, ModelSlot* slot, ServeMetrics* metrics,
                   std::chrono::milliseconds interval);
    ~VersionWatcher();  // stops the thread

    VersionWatcher(const VersionWatcher&) = delete;
    VersionWatcher& operator=(const VersionWatcher&) = delete;

    void start();
    // One look at the folder (the thread's loop body; tests call it directly).
    void poll_once();
    void stop();

 private:
    VersionLister list_;
    VersionLoader load_;
    ModelSlot* slot_;
    ServeMetrics* metrics_;
    std::chrono::milliseconds interval_;
    std::set<int64_t> refused_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace slipway::serve
