#pragma once

// A scratch directory for tests that write files.

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace slipway::testing {

// A fresh directory under $TMPDIR, removed with everything in it at scope exit.
class TempDir {
 public:
    TempDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "slipway-test-XXXXXX").string();
        if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::string file(const std::string& name) const { return (path_ / name).string(); }
    std::string path() const { return path_.string(); }

 private:
    std::filesystem::path path_;
};

}  // namespace slipway::testing
