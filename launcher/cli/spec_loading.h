#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/status.h"
#include "spec/job_spec.h"
#include "spec/spec_parser.h"

namespace slipway::launch {

// The flags every spec-reading subcommand shares: SPEC, --set, and (where it applies)
// --target, which is a --set kubernetes.target=... under another name.
struct SpecFlags {
    std::string path;
    std::vector<std::string> sets;
    std::string target;  // "" = the spec's
};

void add_spec_flags(CLI::App& command, SpecFlags& flags, bool with_target);

struct LoadedSpec {
    JobSpec spec;
    std::vector<SpecOverride> overrides;  // passed on to slipway-train in the pods
};

Result<LoadedSpec> load_spec(const SpecFlags& flags);

// Prints "slipway-launch: error: <where>: <what> (<hint>)" to stderr; returns the exit code.
int report(const Error& error);

}  // namespace slipway::launch
