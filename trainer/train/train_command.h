#pragma once

#include <optional>
#include <string>
#include <vector>

#include "comm/communicator.h"

namespace slipway {

// Everything slipway-train's command line says.
struct TrainCommand {
    std::string spec_path;
    std::vector<std::string> overrides;  // "key.path=value"
    std::string metrics_file;
    std::string summary_file;
    std::string dump_parameters;         // raw float32 parameters after training (tests)
    std::optional<std::string> log_level;
    CommChoice comm = CommChoice::kAuto;  // --comm mpi|gloo|auto
};

// Runs one rank of a training job and returns the process exit code (DESIGN.md): spec and
// environment errors 2, data errors 3, lost peers 10, allocation failure 11. Expected errors
// are logged with what, where and how to fix; library failures with the failing call.
int run_train_command(const TrainCommand& command);

}  // namespace slipway
