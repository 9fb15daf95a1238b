#include "common/exit_status_file.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace slipway {

void write_exit_status(int rank, int code) {
    const char* dir = std::getenv(kExitStatusDirEnv);
    if (!dir || !*dir) return;
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const std::string path = std::string(dir) + "/rank-" + std::to_string(rank) + ".status";
    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << code << " " << std::chrono::duration_cast<std::chrono::nanoseconds>(now).count()
            << "\n";
        if (!out) return;
    }
    std::rename(temporary.c_str(), path.c_str());  // whole or absent for the reader
}

std::vector<RankExit> read_exit_statuses(const std::string& dir) {
    std::vector<RankExit> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        int rank = -1;
        char tail = 0;
        if (std::sscanf(name.c_str(), "rank-%d.statu%c", &rank, &tail) != 2 || tail != 's' ||
            name.size() != std::to_string(rank).size() + std::string("rank-.status").size()) {
            continue;
        }
        std::ifstream in(entry.path());
        RankExit status;
        status.rank = rank;
        if (in >> status.code >> status.unix_nanos) out.push_back(status);
    }
    std::sort(out.begin(), out.end(),
              [](const RankExit& a, const RankExit& b) { return a.rank < b.rank; });
    return out;
}

}  // namespace slipway
