#include "common/system_error.h"

namespace slipway {

namespace {
std::string compose(const std::string& library, const std::string& call,
                    const std::string& detail, const char* file, int line) {
    return library + " call " + call + " failed at " + file + ":" + std::to_string(line) +
           ": " + detail;
}
}  // namespace

SystemError::SystemError(std::string library, std::string call, std::string detail,
                         const char* file, int line)
    : std::runtime_error(compose(library, call, detail, file, line)),
      library_(std::move(library)),
      call_(std::move(call)) {}

}  // namespace slipway
