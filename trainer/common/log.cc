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

void init_logging(int rank, const std::optional<std::string>& level) {
    auto logger = spdlog::stderr_logger_mt("slipway-rank" + std::to_string(rank));
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e [rank " + std::to_string(rank) + "] %^%l%$ %v");
    auto chosen = rank == 0 ? spdlog::level::info : spdlog::level::warn;
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

}  // namespace slipway
