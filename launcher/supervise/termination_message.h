#pragma once

#include <cstddef>
#include <deque>
#include <string>

namespace slipway::launch {

// Kubernetes reads at most 4096 bytes of a container's termination log.
inline constexpr std::size_t kMaxTerminationMessageBytes = 4096;

// `summary` (one or more lines: who failed, the code and its meaning), then "last lines of
// rank N:" and `tail`, cut to `max_bytes`. The tail goes first, oldest lines first: the
// summary and the lines just before the failure matter most. A single line still too long
// keeps its end, where the error usually is; the summary itself is cut only when nothing else
// is left. Never splits a UTF-8 character.
std::string format_termination_message(const std::string& summary, int tail_rank,
                                       const std::deque<std::string>& tail,
                                       std::size_t max_bytes = kMaxTerminationMessageBytes);

// Writes `message` to `path` (write, then close, both checked). The file is Kubernetes'
// /dev/termination-log or a test's file; failing to write it must not change the pod's exit
// code, so a failure is logged as a warning and returned as false.
bool write_termination_log(const std::string& path, const std::string& message);

}  // namespace slipway::launch
