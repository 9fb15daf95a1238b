#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "common/exit_code.h"

namespace slipway {

// An expected failure (bad spec, bad data, missing file) carried as a value up to main,
// which maps `code` to the exit status. `where` is file:line or a key path; `hint` says how
// to fix it.
struct Error {
    ExitCode code = ExitCode::kBadSpec;
    std::string what;
    std::string where;
    std::string hint;

    // "where: what (hint)" on one line, the form every program prints.
    std::string message() const;
};

Error spec_error(std::string where, std::string what, std::string hint = {});
Error data_error(std::string where, std::string what, std::string hint = {});

// Either a T or an Error. Small on purpose: C++20 has no std::expected.
template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::move(value)) {}
    Result(Error error) : state_(std::move(error)) {}

    bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { assert(ok()); return std::get<0>(state_); }
    const T& value() const& { assert(ok()); return std::get<0>(state_); }
    T&& value() && { assert(ok()); return std::get<0>(std::move(state_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { assert(!ok()); return std::get<1>(state_); }

private:
    std::variant<T, Error> state_;
};

// Success or an Error, for operations without a value.
class [[nodiscard]] Status {
public:
    Status() = default;
    Status(Error error) : error_(std::move(error)), failed_(true) {}
    static Status success() { return {}; }

    bool ok() const { return !failed_; }
    explicit operator bool() const { return ok(); }
    const Error& error() const { assert(failed_); return error_; }

private:
    Error error_;
    bool failed_ = false;
};

}  // namespace slipway

// Propagates the error of an expression yielding Status or Result<T>.
#define SLIPWAY_RETURN_IF_ERROR(expr)                     \
    do {                                                  \
        auto&& slipway_status_ = (expr);                  \
        if (!slipway_status_.ok()) return slipway_status_.error(); \
    } while (0)
