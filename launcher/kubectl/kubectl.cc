#include "kubectl/kubectl.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace slipway::launch {
namespace {

// A pipe whose ends close themselves; destructors never throw.
struct Pipe {
    int fds[2] = {-1, -1};
    bool open() { return ::pipe2(fds, O_CLOEXEC) == 0; }
    void close_end(int i) {
        if (fds[i] >= 0) ::close(fds[i]);
        fds[i] = -1;
    }
    ~Pipe() {
        close_end(0);
        close_end(1);
    }
};

std::string kubectl_binary() {
    const char* configured = std::getenv("SLIPWAY_KUBECTL");
    return configured && *configured ? configured : "kubectl";
}

}  // namespace

Result<KubectlOutput> run_kubectl(const std::vector<std::string>& args, const std::string& input,
                                  bool capture) {
    const std::string binary = kubectl_binary();
    std::vector<std::string> argv_storage = {binary};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& arg : argv_storage) argv.push_back(arg.data());
    argv.push_back(nullptr);

    Pipe in, out, err;
    if (!in.open() || (capture && (!out.open() || !err.open()))) {
        return Error{ExitCode::kInternal, std::string("pipe failed: ") + std::strerror(errno),
                     "kubectl", ""};
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in.fds[0], STDIN_FILENO);
    if (capture) {
        posix_spawn_file_actions_adddup2(&actions, out.fds[1], STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&actions, err.fds[1], STDERR_FILENO);
    }
    pid_t pid = -1;
    const int spawned = ::posix_spawnp(&pid, binary.c_str(), &actions, nullptr, argv.data(),
                                       environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
        return Error{ExitCode::kBadSpec,
                     "cannot run '" + binary + "': " + std::strerror(spawned), "kubectl",
                     "install kubectl and put it on PATH, or set SLIPWAY_KUBECTL to its path"};
    }
    in.close_end(0);
    out.close_end(1);
    err.close_end(1);

    // stdin, stdout and stderr together: kubectl may answer before it has read all its input.
    ::signal(SIGPIPE, SIG_IGN);
    KubectlOutput result;
    size_t written = 0;
    if (input.empty()) in.close_end(1);
    while (in.fds[1] >= 0 || out.fds[0] >= 0 || err.fds[0] >= 0) {
        pollfd fds[3] = {{in.fds[1], POLLOUT, 0}, {out.fds[0], POLLIN, 0},
                         {err.fds[0], POLLIN, 0}};
        if (::poll(fds, 3, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (fds[0].revents) {
            const ssize_t n = ::write(in.fds[1], input.data() + written, input.size() - written);
            if (n > 0) written += static_cast<size_t>(n);
            if (n < 0 || written == input.size()) in.close_end(1);
        }
        for (int i = 1; i <= 2; ++i) {
            if (!fds[i].revents) continue;
            char buffer[65536];
            const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
            if (n > 0) {
                (i == 1 ? result.out : result.err).append(buffer, static_cast<size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                (i == 1 ? out : err).close_end(0);
            }
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

}  // namespace slipway::launch
