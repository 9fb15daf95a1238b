#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace slipway {

// A failed call into MPI, NCCL, CUDA, HDF5 or the OS: unexpected, so thrown, naming the call
// and the source location. main() maps the subclass to an exit code.
class SystemError : public std::runtime_error {
public:
    SystemError(std::string library, std::string call, std::string detail, const char* file,
                int line);
    const std::string& library() const { return library_; }
    const std::string& call() const { return call_; }

private:
    std::string library_;
    std::string call_;
};

class MpiError : public SystemError {
public:
    MpiError(std::string call, std::string detail, const char* file, int line)
        : SystemError("MPI", std::move(call), std::move(detail), file, line) {}
};

class Hdf5Error : public SystemError {
public:
    Hdf5Error(std::string call, std::string detail, const char* file, int line)
        : SystemError("HDF5", std::move(call), std::move(detail), file, line) {}
};

// A peer died, stopped answering, or a collective missed its deadline (exit 10).
class PeerFailure : public SystemError {
public:
    PeerFailure(std::string call, std::string detail, const char* file, int line)
        : SystemError("collective", std::move(call), detail, file, line),
          detail_(std::move(detail)),
          file_(file),
          line_(line) {}

    const std::string& detail() const { return detail_; }

    // The same failure with `context` ("at step 7 (epoch 1)") before its detail.
    PeerFailure with_context(const std::string& context) const {
        return PeerFailure(call(), context + ": " + detail_, file_, line_);
    }

private:
    std::string detail_;
    const char* file_;  // __FILE__: a literal
    int line_;
};

}  // namespace slipway
