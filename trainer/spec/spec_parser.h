#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "spec/job_spec.h"

namespace slipway {

// A "--set key.path=value" override; value is parsed as a YAML scalar or flow sequence.
struct SpecOverride {
    std::string key_path;
    std::string value;
};

// Parses "key.path=value"; an Error (exit 2) when there is no '=' or the key is empty.
Result<SpecOverride> parse_override(const std::string& text);

// Reads and validates a job spec. Unknown keys, wrong types and out-of-range values are
// Errors (ExitCode::kBadSpec) whose `where` is "file:line" and whose `what` names the key
// path (e.g. "train.optimizer.lr"); a misspelt key gets "did you mean 'x'?" in the hint.
// Overrides apply before validation; an error in one names "--set key.path".
Result<JobSpec> load_job_spec(const std::string& path,
                              const std::vector<SpecOverride>& overrides = {});
Result<JobSpec> parse_job_spec(const std::string& yaml_text, const std::string& source_name,
                               const std::vector<SpecOverride>& overrides = {});

// The reference of every key (type, default, meaning) as a Markdown table, generated from the
// schema the parser reads with, so docs/launcher.md cannot drift from the parser.
std::string spec_reference_markdown();

}  // namespace slipway
