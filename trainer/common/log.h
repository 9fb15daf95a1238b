#pragma once

#include <optional>
#include <string>

#include <spdlog/spdlog.h>

namespace slipway {

// Sets up the process-wide logger (the only global state besides the SIGTERM flag): every line
// carries the rank; rank 0 logs at info, other ranks at warn, unless `level` (from
// --log-level, else SLIPWAY_LOG_LEVEL) says otherwise. Lines go to stderr.
void init_logging(int rank, const std::optional<std::string>& level);

// The same for a program that is not a rank of a job: lines tagged "[tag]", info by default.
void init_program_logging(const std::string& tag, const std::optional<std::string>& level);

// "trace|debug|info|warn|error|critical|off"; nullopt for anything else.
std::optional<spdlog::level::level_enum> parse_log_level(const std::string& text);

}  // namespace slipway
