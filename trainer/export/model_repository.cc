#include "export/model_repository.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>

#include "export/durable_files.h"

namespace fs = std::filesystem;

namespace slipway {
namespace {

constexpr char kTempPrefix[] = ".tmp-";

Error repository_error(const std::string& where, std::string what, std::string hint = {}) {
    if (hint.empty()) hint = "check that the model repository is on a writable volume";
    return Error{ExitCode::kBadCheckpoint, std::move(what), where, std::move(hint)};
}

std::string host_name() {
    char name[256] = {};
    if (::gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "host";
    std::string out(name);
    std::replace(out.begin(), out.end(), '-', '_');  // '-' separates the name's fields
    return out;
}

std::optional<int64_t> parse_version(const std::string& name) {
    const bool digits =
        !name.empty() && name.size() <= 18 &&
        std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits) return std::nullopt;
    int64_t value = 0;
    std::from_chars(name.data(), name.data() + name.size(), value);
    return value;
}

// Removes `.tmp-<host>-<pid>-XXXXXX` folders of exports on this host whose process is gone.
// Folders of other hosts (a shared volume) are left: their pids mean nothing here.
void remove_abandoned_temps(const std::string& model_dir, const std::string& host) {
    std::error_code ignored;
    for (const auto& entry : fs::directory_iterator(model_dir, ignored)) {
        const std::string name = entry.path().filename().string();
        const std::string mine = kTempPrefix + host + "-";
        if (name.rfind(mine, 0) != 0) continue;
        const std::string rest = name.substr(mine.size());
        const size_t dash = rest.find('-');
        if (dash == std::string::npos) continue;
        long pid = 0;
        const auto [end, ec] = std::from_chars(rest.data(), rest.data() + dash, pid);
        if (ec != std::errc() || end != rest.data() + dash) continue;
        if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
            fs::remove_all(entry.path(), ignored);
        }
    }
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Removes the temporary version folder unless it was renamed into place.
class TempFolder {
 public:
    explicit TempFolder(std::string path) : path_(std::move(path)) {}
    ~TempFolder() {
        if (path_.empty()) return;
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    TempFolder(const TempFolder&) = delete;
    TempFolder& operator=(const TempFolder&) = delete;
    const std::string& path() const { return path_; }
    void release() { path_.clear(); }

 private:
    std::string path_;
};

Status write_config(const std::string& model_dir, const std::string& text) {
    const std::string path = model_dir + "/config.pbtxt";
    std::error_code error;
    if (fs::exists(path, error) && read_text(path) == text) return Status::success();
    return replace_file(path, text);
}

// Under the lock: the next number, slipway.json, config.pbtxt, the rename.
Result<int64_t> pick_and_rename(const std::string& model_dir, TempFolder& temp,
                                const VersionContent& content) {
    const std::vector<int64_t> versions = list_versions(model_dir);
    int64_t version = versions.empty() ? 1 : versions.back() + 1;
    nlohmann::json metadata = content.metadata;
    metadata["version"] = version;
    SLIPWAY_RETURN_IF_ERROR(write_new_file(temp.path() + "/slipway.json", metadata.dump(2) + "\n"));
    SLIPWAY_RETURN_IF_ERROR(sync_directory(temp.path()));
    SLIPWAY_RETURN_IF_ERROR(write_config(model_dir, content.config_pbtxt));
    const std::string target = model_dir + "/" + std::to_string(version);
    if (::rename(temp.path().c_str(), target.c_str()) != 0) {
        const int error_number = errno;
        const bool taken = error_number == EEXIST || error_number == ENOTEMPTY;
        return repository_error(
            target,
            std::string("cannot rename the new version into place: ") + std::strerror(error_number),
            taken ? "a version folder appeared without the export lock: "
                    "only slipway-train export should write versions"
                  : "");
    }
    temp.release();
    SLIPWAY_RETURN_IF_ERROR(sync_directory(model_dir));
    return version;
}

}  // namespace

bool valid_model_name(const std::string& name) {
    if (name.empty() || name.size() > 128 || name[0] == '.' || name[0] == '-') return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == '-';
    });
}

std::vector<int64_t> list_versions(const std::string& model_dir) {
    std::vector<int64_t> versions;
    std::error_code ignored;
    for (const auto& entry : fs::directory_iterator(model_dir, ignored)) {
        if (!entry.is_directory(ignored)) continue;
        if (auto version = parse_version(entry.path().filename().string())) {
            versions.push_back(*version);
        }
    }
    std::sort(versions.begin(), versions.end());
    return versions;
}

Result<PublishedVersion> publish_version(const std::string& repository, const std::string& name,
                                         const VersionContent& content,
                                         std::chrono::milliseconds lock_timeout) {
    if (!valid_model_name(name)) {
        return Error{ExitCode::kBadSpec, "'" + name + "' is not a usable model name", name,
                     "use 1-128 letters, digits, '_', '.' or '-', not starting with '.' or '-'"};
    }
    const std::string model_dir = (fs::path(repository) / name).string();
    std::error_code error;
    fs::create_directories(model_dir, error);
    if (error || !fs::is_directory(model_dir)) {
        return repository_error(
            model_dir,
            "cannot create the model folder" + (error ? ": " + error.message() : std::string()),
            "choose a --repository folder you can write to");
    }
    const std::string host = host_name();
    std::string pattern =
        model_dir + "/" + kTempPrefix + host + "-" + std::to_string(::getpid()) + "-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        return repository_error(model_dir, std::string("cannot create a temporary version "
                                                       "folder: ") +
                                               std::strerror(errno));
    }
    TempFolder temp(pattern);
    // mkdtemp makes it 0700; servers running as another user (Triton's image) must read it.
    if (::chmod(temp.path().c_str(), 0755) != 0) {
        return repository_error(temp.path(), std::string("chmod failed: ") + std::strerror(errno));
    }
    SLIPWAY_RETURN_IF_ERROR(write_new_file(temp.path() + "/model.onnx", content.model_onnx));

    auto lock = FileLock::acquire(model_dir + "/.lock", lock_timeout);
    SLIPWAY_RETURN_IF_ERROR(lock);
    remove_abandoned_temps(model_dir, host);
    auto version = pick_and_rename(model_dir, temp, content);
    SLIPWAY_RETURN_IF_ERROR(version);
    return PublishedVersion{*version, model_dir, model_dir + "/" + std::to_string(*version)};
}

}  // namespace slipway
