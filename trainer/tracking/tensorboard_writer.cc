#include "tracking/tensorboard_writer.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "tracking/event_proto.h"
#include "tracking/scalar_series.h"
#include "tracking/tfrecord.h"

namespace slipway::tracking {
namespace {

double wall_time() {
    using namespace std::chrono;
    return duration<double>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

Result<std::unique_ptr<TensorBoardWriter>> TensorBoardWriter::open(const std::string& dir,
                                                                   const std::string& host) {
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error) {
        return spec_error("tracking.tensorboard_dir " + dir,
                          "cannot create the folder: " + error.message(),
                          "point tracking.tensorboard_dir at a writable place");
    }
    const double now = wall_time();
    std::string path = (std::filesystem::path(dir) /
                        fmt::format("events.out.tfevents.{}.{}", static_cast<long long>(now), host))
                           .string();
    // A second run in the same second (a quick resume) must not overwrite the first's file.
    if (std::filesystem::exists(path, error)) path += fmt::format(".{}", ::getpid());
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr) {
        return spec_error("tracking.tensorboard_dir " + dir,
                          std::string("cannot create ") + path + ": " + std::strerror(errno),
                          "point tracking.tensorboard_dir at a writable place");
    }
    std::unique_ptr<TensorBoardWriter> writer(new TensorBoardWriter(file, path));
    writer->write_event(file_version_event(now));
    spdlog::info("tensorboard: writing {}", path);
    return writer;
}

TensorBoardWriter::~TensorBoardWriter() {
    if (file_ != nullptr) std::fclose(file_);
}

void TensorBoardWriter::write_event(const std::string& event) {
    if (file_ == nullptr) return;
    const std::string record = tfrecord_frame(event);
    if (std::fwrite(record.data(), 1, record.size(), file_) != record.size() ||
        std::fflush(file_) != 0) {
        spdlog::warn(
            "tensorboard: writing {} failed ({}); no more events go to it, training "
            "continues",
            path_, std::strerror(errno));
        std::fclose(file_);
        file_ = nullptr;
    }
}

void TensorBoardWriter::write_scalars(int64_t step, const Scalars& values) {
    std::vector<std::pair<std::string, float>> scalars;
    for (const auto& [tag, value] : values) scalars.emplace_back(tag, static_cast<float>(value));
    if (!scalars.empty()) write_event(scalars_event(wall_time(), step, scalars));
}

void TensorBoardWriter::on_train(const TrainRecord& record) {
    write_scalars(record.step, train_scalars(record));
}

void TensorBoardWriter::on_eval(const EvalRecord& record) {
    write_scalars(record.step, eval_scalars(record));
}

void TensorBoardWriter::on_end(const nlohmann::json&, RunOutcome) {
    if (file_ != nullptr) std::fclose(file_);
    file_ = nullptr;
}

}  // namespace slipway::tracking
