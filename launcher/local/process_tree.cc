#include "local/process_tree.h"

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace slipway::launch {
namespace {

// The parent pid from /proc/<pid>/stat: the field after the ")" that closes the command name
// (which may itself hold spaces and parentheses).
pid_t parent_of(const std::string& stat_text) {
    const size_t close = stat_text.rfind(')');
    if (close == std::string::npos) return -1;
    std::istringstream fields(stat_text.substr(close + 1));
    std::string state;
    long parent = -1;
    fields >> state >> parent;
    return fields ? static_cast<pid_t>(parent) : -1;
}

}  // namespace

std::vector<pid_t> child_processes(pid_t parent) {
    std::vector<pid_t> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream in(entry.path() / "stat");
        std::string text;
        if (!std::getline(in, text)) continue;  // gone meanwhile
        if (parent_of(text) == parent) out.push_back(static_cast<pid_t>(std::atol(name.c_str())));
    }
    return out;
}

void signal_mpi_ranks(pid_t mpirun_pid, int signal) noexcept {
    try {
        const std::vector<pid_t> ranks = child_processes(mpirun_pid);
        for (pid_t rank : ranks) {
            ::kill(signal == SIGKILL ? -rank : rank, signal);
        }
        if (ranks.empty() || signal == SIGKILL) ::kill(-mpirun_pid, signal);
    } catch (...) {
        ::kill(-mpirun_pid, signal);  // reading /proc failed: at least reach mpirun
    }
}

}  // namespace slipway::launch
