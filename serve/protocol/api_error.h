#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace slipway::serve {

// A request the server refuses: the HTTP status and a message that says what is wrong (and
// where, for a JSON body). Becomes {"error": message} on the wire.
struct ApiError {
    int status = 400;
    std::string message;
};

inline ApiError bad_request(std::string message) { return {400, std::move(message)}; }

// Either a T or an ApiError: the request-side twin of slipway::Result, whose Error carries an
// exit code instead of an HTTP status.
template <class T>
class [[nodiscard]] ApiResult {
 public:
    ApiResult(T value) : state_(std::move(value)) {}
    ApiResult(ApiError error) : state_(std::move(error)) {}

    bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & {
        assert(ok());
        return std::get<0>(state_);
    }
    const T& value() const& {
        assert(ok());
        return std::get<0>(state_);
    }
    T&& value() && {
        assert(ok());
        return std::get<0>(std::move(state_));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const ApiError& error() const {
        assert(!ok());
        return std::get<1>(state_);
    }

 private:
    std::variant<T, ApiError> state_;
};

}  // namespace slipway::serve
