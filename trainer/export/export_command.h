#pragma once

#include <optional>
#include <string>

namespace slipway {

// What `slipway-train export` says on its command line.
struct ExportCommand {
    std::string checkpoint;  // --checkpoint: a file, or a folder (its newest valid checkpoint)
    std::string repository;  // --repository
    std::string name;        // --name ("": the spec's export.name, else the job name)
    std::optional<int> max_batch_size;  // --max-batch-size (nullopt: export.max_batch_size)
    std::optional<std::string> log_level;
};

// Exports and returns the exit code (DESIGN.md): 0, 2 bad flags, 4 bad checkpoint or model
// repository, 11 out of memory, 1 a bug. Prints the new version's folder on stdout; the log
// (what was written, or what is wrong, where, and how to fix it) goes to stderr.
int run_export_command(const ExportCommand& command);

}  // namespace slipway
