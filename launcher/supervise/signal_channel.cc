#include "supervise/signal_channel.h"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

#include "supervise/posix_call.h"

namespace slipway::launch {

namespace {

sigset_t watched_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGCHLD);
    return set;
}

// pthread_sigmask returns the error instead of setting errno.
void set_mask(int how, const sigset_t* set, sigset_t* old) {
    if (const int error = pthread_sigmask(how, set, old); error != 0) {
        throw OsError("pthread_sigmask", error, __FILE__, __LINE__);
    }
}

}  // namespace

SignalChannel::SignalChannel() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    struct sigaction fallback {};
    fallback.sa_handler = SIG_DFL;
    sigemptyset(&fallback.sa_mask);
    SLIPWAY_CHECK_POSIX(::sigaction(SIGPIPE, &ignore, &previous_pipe_));
    SLIPWAY_CHECK_POSIX(::sigaction(SIGCHLD, &fallback, &previous_child_));

    const sigset_t set = watched_signals();
    set_mask(SIG_BLOCK, &set, &previous_mask_);
    const int fd = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd == -1) {
        const int error = errno;
        pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
        ::sigaction(SIGPIPE, &previous_pipe_, nullptr);
        ::sigaction(SIGCHLD, &previous_child_, nullptr);
        throw OsError("signalfd", error, __FILE__, __LINE__);
    }
    fd_.reset(fd);
}

SignalChannel::~SignalChannel() {
    // Signals still queued are consumed here rather than delivered when the mask is restored:
    // a SIGTERM that arrived while the supervisor was finishing has been dealt with (the
    // children are gone) and must not kill it before it reports their exit code. Read without
    // storing: a destructor must not allocate (and so must not throw).
    signalfd_siginfo info;
    while (::read(fd_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info) ||
           errno == EINTR) {
    }
    pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
    ::sigaction(SIGPIPE, &previous_pipe_, nullptr);
    ::sigaction(SIGCHLD, &previous_child_, nullptr);
}

std::vector<int> SignalChannel::take() {
    std::vector<int> signals;
    signalfd_siginfo info;
    for (;;) {
        const ssize_t got = ::read(fd_.get(), &info, sizeof info);
        if (got == static_cast<ssize_t>(sizeof info)) {
            signals.push_back(static_cast<int>(info.ssi_signo));
            continue;
        }
        if (got == -1 && errno == EINTR) continue;
        // EAGAIN: nothing more queued. A signalfd returns whole records or an error, and no
        // error other than EAGAIN is possible on a valid one.
        return signals;
    }
}

}  // namespace slipway::launch
