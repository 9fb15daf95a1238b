#include "common/log.h"

#include <cstdlib>

#include <spdlog/sinks/stdout_sinks.h>

namespace slipway {

std::optional<spdlog::level::level_enum> parse_log_level(const std::string& text) {
    static const std::pair<const char*, spdlog::level::level_enum> kLevels[] = {
        {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
        {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
        {"error", spdlog::level::err},   {"critical", spdlog::level::critical},
        {"off", spdlog::level::off},
    };
    for (const auto& [name, level] : kLevels) {
        if (text == name) return level;
    }
    return std::nullopt;
}

namespace {

// Every line carries `tag`; the level is `level` (a flag), else $SLIPWAY_LOG_LEVEL, else
// `default_level`. Lines go to stderr: stdout is for a command's result.
void install_logger(const std::string& tag, spdlog::level::level_enum default_level,
                    const std::optional<std::string>& level) {
    auto logger = spdlog::stderr_logger_mt("slipway-" + tag);
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e [" + tag + "] %^%l%$ %v");
    auto chosen = default_level;
    std::optional<std::string> requested = level;
    if (!requested) {
        if (const char* env = std::getenv("SLIPWAY_LOG_LEVEL")) requested = env;
    }
    if (requested) {
        if (auto parsed = parse_log_level(*requested)) chosen = *parsed;
    }
    logger->set_level(chosen);
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(logger);
}

}  // namespace

void init_logging(int rank, const std::optional<std::string>& level) {
    install_logger("rank " + std::to_string(rank),
                   rank == 0 ? spdlog::level::info : spdlog::level::warn, level);
}

void init_program_logging(const std::string& tag, const std::optional<std::string>& level) {
    install_logger(tag, spdlog::level::info, level);
}

}  // namespace slipway
