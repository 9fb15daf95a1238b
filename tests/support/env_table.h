#pragma once

// An environment made of a table, for code that reads variables through an EnvLookup.

#include <map>
#include <optional>
#include <string>

#include "common/environment.h"

namespace slipway::testing {

using Vars = std::map<std::string, std::string>;

inline EnvLookup env_table(Vars vars) {
    return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

}  // namespace slipway::testing
