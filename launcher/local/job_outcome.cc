#include "local/job_outcome.h"

#include <algorithm>
#include <set>

#include "common/exit_code.h"
#include "supervise/exit_status.h"

namespace slipway::launch {

JobOutcome job_outcome(const std::vector<RankExit>& reported, int world_size, int launcher_code,
                       bool interrupted) {
    auto earliest = [&reported](auto predicate) -> const RankExit* {
        const RankExit* best = nullptr;
        for (const RankExit& exit : reported) {
            if (predicate(exit) && (!best || exit.unix_nanos < best->unix_nanos)) best = &exit;
        }
        return best;
    };
    auto outcome_of = [](const RankExit& exit, const std::string& extra) {
        return JobOutcome{exit.code, exit.rank,
                          "rank " + std::to_string(exit.rank) + " exited with " +
                              std::to_string(exit.code) + " (" + exit_code_meaning(exit.code) +
                              ")" + extra};
    };
    const int lost = to_int(ExitCode::kPeerFailed);
    const int preempted = to_int(ExitCode::kPreempted);
    if (const RankExit* first = earliest([&](const RankExit& e) {
            return e.code != 0 && e.code != lost && e.code != preempted;
        })) {
        return outcome_of(*first, "");
    }
    std::set<int> seen;
    for (const RankExit& exit : reported) seen.insert(exit.rank);
    std::vector<int> silent;
    for (int rank = 0; rank < world_size; ++rank) {
        if (!seen.count(rank)) silent.push_back(rank);
    }
    if (!silent.empty() && launcher_code != 0) {
        std::string ranks;
        for (int rank : silent) ranks += (ranks.empty() ? "" : ", ") + std::to_string(rank);
        const int code = launcher_code;
        return JobOutcome{code, silent.size() == 1 ? std::optional<int>(silent[0]) : std::nullopt,
                          "rank" + std::string(silent.size() > 1 ? "s " : " ") + ranks +
                              " ended without reporting (killed by a signal or crashed); the "
                              "launcher exited with " + std::to_string(code) + " (" +
                              exit_code_meaning(code) + ")"};
    }
    if (const RankExit* first = earliest([&](const RankExit& e) { return e.code == lost; })) {
        return outcome_of(*first, "");
    }
    const bool any_preempted =
        std::any_of(reported.begin(), reported.end(),
                    [&](const RankExit& e) { return e.code == preempted; });
    if (any_preempted) {
        return JobOutcome{preempted, std::nullopt,
                          std::string(interrupted ? "interrupted: " : "") +
                              "the ranks stopped after writing a checkpoint (143); run again "
                              "to resume"};
    }
    if (launcher_code != 0) {
        return JobOutcome{launcher_code, std::nullopt,
                          "the launcher exited with " + std::to_string(launcher_code) + " (" +
                              exit_code_meaning(launcher_code) + ")"};
    }
    return JobOutcome{0, std::nullopt, "all " + std::to_string(world_size) + " ranks finished"};
}

}  // namespace slipway::launch
