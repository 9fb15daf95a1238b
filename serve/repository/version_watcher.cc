#include "serve/repository/version_watcher.h"

#include <spdlog/spdlog.h>

namespace slipway::serve {

VersionWatcher::VersionWatcher(VersionLister list, VersionLoader load, ModelSlot* slot,
                               ServeMetrics* metrics, std::chrono::milliseconds interval)
    : list_(std::move(list)),
      load_(std::move(load)),
      slot_(slot),
      metrics_(metrics),
      interval_(interval) {}

VersionWatcher::~VersionWatcher() { stop(); }

void VersionWatcher::start() {
    thread_ = std::thread([this] {
        std::unique_lock lock(mutex_);
        while (!stopping_) {
            wake_.wait_for(lock, interval_, [this] { return stopping_; });
            if (stopping_) break;
            lock.unlock();
            poll_once();
            lock.lock();
        }
    });
}

void VersionWatcher::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void VersionWatcher::poll_once() {
    const std::vector<int64_t> versions = list_();
    if (versions.empty()) return;
    const int64_t newest = versions.back();
    const std::shared_ptr<InferenceModel> current = slot_->current();
    const int64_t serving = current ? current->info().version : 0;
    if (newest <= serving || refused_.count(newest) != 0) return;

    spdlog::info("model {}: version {} appeared; loading it while version {} serves",
                 current ? current->info().name : "?", newest, serving);
    const auto started = std::chrono::steady_clock::now();
    Result<std::shared_ptr<InferenceModel>> loaded = load_(newest);
    if (!loaded) {
        refused_.insert(newest);
        metrics_->count_reload(false);
        spdlog::error("refused version {}: {}; version {} keeps serving", newest,
                      loaded.error().message(), serving);
        return;
    }
    const std::shared_ptr<InferenceModel> model = std::move(loaded).value();
    slot_->swap_in(model);
    metrics_->set_model(model->info().name, model->info().version);
    metrics_->count_reload(true);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    spdlog::info(
        "now serving {} version {} ({}), loaded in {:.3f} s; requests that started on "
        "version {} finish on it",
        model->info().name, newest, model->info().description, seconds, serving);
}

}  // namespace slipway::serve
