#pragma once

#include <map>
#include <string>
#include <vector>

namespace slipway::launch {

// One process the supervisor starts: rank `rank` of the job, running `argv` (argv[0] looked
// up in PATH) with the supervisor's environment plus `env` (which overrides variables of the
// same name).
struct ChildSpec {
    int rank = 0;
    std::vector<std::string> argv;
    std::map<std::string, std::string> env;
};

}  // namespace slipway::launch
