#pragma once

#include <functional>
#include <optional>
#include <string>

namespace slipway {

// Reads an environment variable; nullopt when unset. Code that reads the environment takes
// one of these, so tests pass a table and programs pass process_environment().
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// The real environment (std::getenv).
EnvLookup process_environment();

}  // namespace slipway
