#include "metrics/metrics_log.h"

#include <cerrno>
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
