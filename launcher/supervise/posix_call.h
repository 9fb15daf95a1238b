#pragma once

#include "common/system_error.h"

namespace slipway::launch {

// A failed call into the OS: unexpected for the supervisor (pipe, poll, kill), so thrown.
class OsError : public SystemError {
 public:
    OsError(std::string call, int error_number, const char* file, int line);
    int error_number() const { return error_number_; }

 private:
    int error_number_;
};

// Throws OsError for `call` with the current errno.
[[noreturn]] void throw_errno(const char* call, const char* file, int line);

}  // namespace slipway::launch

// Evaluates a POSIX call that returns -1 and sets errno on failure; throws OsError naming it.
#define SLIPWAY_CHECK_POSIX(call)                                                             \
    ([&]() {                                                                                  \
        auto slipway_result_ = (call);                                                        \
        if (slipway_result_ == -1) ::slipway::launch::throw_errno(#call, __FILE__, __LINE__); \
        return slipway_result_;                                                               \
    }())
