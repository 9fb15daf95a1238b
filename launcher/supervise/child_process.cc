#include "supervise/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "common/log.h"
#include "supervise/exit_status.h"
#include "supervise/posix_call.h"

extern char** environ;

namespace slipway::launch {

namespace {

// The supervisor's environment with `overrides` applied, as "NAME=value" strings.
std::vector<std::string> child_environment(const std::map<std::string, std::string>& overrides) {
    std::vector<std::string> entries;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        const std::string_view text(*entry);
        const std::string name(text.substr(0, text.find('=')));
        if (!overrides.contains(name)) entries.emplace_back(text);
    }
    for (const auto& [name, value] : overrides) entries.push_back(name + "=" + value);
    return entries;
}

// posix_spawn's C interfaces want arrays of char*, terminated by nullptr.
std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> result;
    result.reserve(strings.size() + 1);
    for (auto& text : strings) result.push_back(text.data());
    result.push_back(nullptr);
    return result;
}

// The posix_spawn attribute and file-action objects, destroyed on every path.
class SpawnSetup {
 public:
    SpawnSetup() {
        check(posix_spawnattr_init(&attributes_), "posix_spawnattr_init");
        if (const int error = posix_spawn_file_actions_init(&actions_); error != 0) {
            posix_spawnattr_destroy(&attributes_);
            throw OsError("posix_spawn_file_actions_init", error, __FILE__, __LINE__);
        }
    }
    ~SpawnSetup() {
        posix_spawn_file_actions_destroy(&actions_);
        posix_spawnattr_destroy(&attributes_);
    }
    SpawnSetup(const SpawnSetup&) = delete;
    SpawnSetup& operator=(const SpawnSetup&) = delete;

    posix_spawnattr_t* attributes() { return &attributes_; }
    posix_spawn_file_actions_t* actions() { return &actions_; }

    // posix_spawn* functions return the error number instead of setting errno.
    static void check(int error, const char* call) {
        if (error != 0) throw OsError(call, error, __FILE__, __LINE__);
    }

 private:
    posix_spawnattr_t attributes_;
    posix_spawn_file_actions_t actions_;
};

struct Pipe {
    UniqueFd read_end;
    UniqueFd write_end;
};

// Both ends close on exec, so no child inherits another child's pipes (which would keep
// them from ever reaching end-of-file); the read end does not block the poll loop.
Pipe make_pipe() {
    int fds[2];
    SLIPWAY_CHECK_POSIX(::pipe2(fds, O_CLOEXEC));
    Pipe pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
    SLIPWAY_CHECK_POSIX(::fcntl(pipe.read_end.get(), F_SETFL, O_NONBLOCK));
    return pipe;
}

bool is_command_error(int error) {
    return error == ENOENT || error == EACCES || error == ENOEXEC || error == ENOTDIR ||
           error == ELOOP || error == ENAMETOOLONG || error == EISDIR || error == EPERM;
}

}  // namespace

Result<SpawnedChild> spawn_child(const ChildSpec& spec) {
    const std::string where = "rank " + std::to_string(spec.rank) + " command";
    if (spec.argv.empty() || spec.argv[0].empty()) {
        return spec_error(where, "no command to run",
                          "give one after --, e.g. -- slipway-train job.yaml");
    }
    Pipe out = make_pipe();
    Pipe err = make_pipe();

    SpawnSetup setup;
    SpawnSetup::check(
        posix_spawn_file_actions_addopen(setup.actions(), STDIN_FILENO, "/dev/null", O_RDONLY, 0),
        "posix_spawn_file_actions_addopen");
    SpawnSetup::check(
        posix_spawn_file_actions_adddup2(setup.actions(), out.write_end.get(), STDOUT_FILENO),
        "posix_spawn_file_actions_adddup2");
    SpawnSetup::check(
        posix_spawn_file_actions_adddup2(setup.actions(), err.write_end.get(), STDERR_FILENO),
        "posix_spawn_file_actions_adddup2");

    // The supervisor blocks SIGTERM/SIGINT/SIGCHLD (it reads them from a signalfd) and ignores
    // SIGPIPE; both would be inherited across exec, so the child gets a clean slate.
    sigset_t none;
    sigset_t all;
    sigemptyset(&none);
    sigfillset(&all);
    SpawnSetup::check(posix_spawnattr_setsigmask(setup.attributes(), &none),
                      "posix_spawnattr_setsigmask");
    SpawnSetup::check(posix_spawnattr_setsigdefault(setup.attributes(), &all),
                      "posix_spawnattr_setsigdefault");
    SpawnSetup::check(posix_spawnattr_setpgroup(setup.attributes(), 0),
                      "posix_spawnattr_setpgroup");
    SpawnSetup::check(posix_spawnattr_setflags(setup.attributes(), POSIX_SPAWN_SETPGROUP |
                                                                       POSIX_SPAWN_SETSIGMASK |
                                                                       POSIX_SPAWN_SETSIGDEF),
                      "posix_spawnattr_setflags");

    std::vector<std::string> argv_strings = spec.argv;
    std::vector<std::string> env_strings = child_environment(spec.env);
    std::vector<char*> argv = pointers(argv_strings);
    std::vector<char*> envp = pointers(env_strings);

    // glibc's posix_spawnp returns only after the exec, with its error if it failed, and
    // after setpgid: the group exists as soon as this returns, so signalling it cannot race.
    pid_t pid = -1;
    const int error =
        posix_spawnp(&pid, argv[0], setup.actions(), setup.attributes(), argv.data(), envp.data());
    if (error != 0) {
        if (!is_command_error(error)) throw OsError("posix_spawnp", error, __FILE__, __LINE__);
        const char* path = std::getenv("PATH");
        return spec_error(where, "cannot run '" + spec.argv[0] + "': " + std::strerror(error),
                          error == ENOENT
                              ? "not found in PATH=" + std::string(path ? path : "(unset)") +
                                    "; give the full path or fix the image"
                              : "check that it is an executable program");
    }
    return SpawnedChild{pid, std::move(out.read_end), std::move(err.read_end)};
}

bool signal_group(pid_t pgid, int signal) noexcept {
    if (pgid <= 0) return false;  // kill(0 or -1, ...) would signal far more than one child
    if (::kill(-pgid, signal) == 0 || errno == ESRCH) return true;
    const int error = errno;
    try {
        spdlog::warn("cannot send {} to process group {}: {}", signal_name(signal), pgid,
                     std::strerror(error));
    } catch (...) {
        // Logging failed too (out of memory); the caller escalates or reports the child.
    }
    return false;
}

}  // namespace slipway::launch
