#include "common/status.h"

namespace slipway {

std::string Error::message() const {
    std::string text;
    if (!where.empty()) text += where + ": ";
    text += what;
    if (!hint.empty()) text += " (" + hint + ")";
    return text;
}

Error spec_error(std::string where, std::string what, std::string hint) {
    return Error{ExitCode::kBadSpec, std::move(what), std::move(where), std::move(hint)};
}

Error data_error(std::string where, std::string what, std::string hint) {
    return Error{ExitCode::kBadData, std::move(what), std::move(where), std::move(hint)};
}

}  // namespace slipway
