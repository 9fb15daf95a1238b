#include "metrics/metrics_log.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <filesystem>

namespace slipway {

MetricsLog::~MetricsLog() {
    if (file_ != nullptr) std::fclose(file_);
}

Result<MetricsLog*> MetricsLog::open(const std::string& path, MetricsLog& into, bool append) {
    std::FILE* file = std::fopen(path.c_str(), append ? "a" : "w");
    if (file == nullptr) {
        return spec_error(path, std::string("cannot write the metrics file: ") + std::strerror(errno),
                          "point --metrics-file at a writable directory");
    }
    if (into.file_ != nullptr) std::fclose(into.file_);
    into.file_ = file;
    into.path_ = path;
    return &into;
}

void MetricsLog::write(const nlohmann::json& record) {
    if (file_ == nullptr) return;
    // Replace, not throw, on invalid UTF-8 (a spec path in another encoding, say).
    std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fflush(file_);
}

namespace {

nlohmann::json number_or_null(double value) {
    return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

}  // namespace

void MetricsLog::on_train(const TrainRecord& record) {
    nlohmann::json line = {{"type", "train"},
                           {"epoch", record.epoch},
                           {"step", record.step},
                           {"loss", record.loss},
                           {"lr", record.lr},
                           {"grad_norm", record.grad_norm},
                           {"samples_per_sec", record.samples_per_sec},
                           {"train_seconds", record.train_seconds}};
    if (std::isfinite(record.accuracy)) line["accuracy"] = record.accuracy;
    write(line);
}

void MetricsLog::on_eval(const EvalRecord& record) {
    write({{"type", "eval"},
           {"epoch", record.epoch},
           {"step", record.step},
           {"train_loss", record.train_loss},
           {"test_loss", number_or_null(record.test_loss)},
           {"test_accuracy", number_or_null(record.test_accuracy)}});
}

void MetricsLog::on_checkpoint(const CheckpointRecord& record) {
    write({{"type", "checkpoint"},
           {"reason", record.reason},
           {"step", record.step},
           {"path", record.path}});
}

void MetricsLog::on_end(const nlohmann::json& summary, RunOutcome) { write(summary); }

Status write_json_file(const std::string& path, const nlohmann::json& value) {
    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        if (!out) {
            return spec_error(path, std::string("cannot write: ") + std::strerror(errno),
                              "point the flag at a writable directory");
        }
        out << value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
        if (!out.flush()) return spec_error(path, "write failed (disk full?)");
    }
    std::error_code error;
    std::filesystem::rename(temporary, path, error);
    if (error) return spec_error(path, "cannot rename " + temporary + ": " + error.message());
    return Status::success();
}

}  // namespace slipway
