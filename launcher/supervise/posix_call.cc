#include "supervise/posix_call.h"

#include <cerrno>
#include <cstring>

namespace slipway::launch {

OsError::OsError(std::string call, int error_number, const char* file, int line)
    : SystemError("OS", std::move(call), std::strerror(error_number), file, line),
      error_number_(error_number) {}

void throw_errno(const char* call, const char* file, int line) {
    throw OsError(call, errno, file, line);
}

}  // namespace slipway::launch
