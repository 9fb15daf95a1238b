#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "spec/job_spec.h"
#include "spec/spec_parser.h"

namespace slipway::render {

// What `render` would run, for a person: ranks, resources in total, image, rendezvous,
// placement, volumes, what each exit code does, the queue. Built from the same layout and
// objects as the manifests, so it cannot describe something render would not do.
Result<std::string> describe_plan(const JobSpec& spec, const std::vector<SpecOverride>& overrides);

}  // namespace slipway::render
