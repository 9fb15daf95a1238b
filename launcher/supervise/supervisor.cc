#include "supervise/supervisor.h"

#include <poll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <string_view>

#include "common/log.h"
#include "common/status.h"
#include "supervise/child_process.h"
#include "supervise/exit_status.h"
#include "supervise/line_buffer.h"
#include "supervise/posix_call.h"
#include "supervise/signal_channel.h"
#include "supervise/termination_message.h"

namespace slipway::launch {

namespace {

using Clock = std::chrono::steady_clock;

// A child that outlives SIGKILL this long is stuck in the kernel (an uninterruptible wait on a
// device or a dead NFS server); waiting longer would hang the pod instead of reporting.
constexpr auto kKillTimeout = std::chrono::seconds(10);
// After the last child exits, how long output still held by its own children may trickle in.
constexpr auto kDrainTimeout = std::chrono::seconds(1);
// The poll loop wakes at least this often even without events: a safety net, since SIGCHLD
// and the deadlines below already wake it when something is due.
constexpr auto kMaxPollWait = std::chrono::milliseconds(1000);
constexpr std::size_t kReadChunk = 64 * 1024;
// Reads per stream and wake-up, so that one chatty child cannot starve the others' output.
constexpr int kReadsPerWake = 4;
// Reads of a child's pipes when it exits: what it wrote before dying (bounded, since its own
// children may still be writing).
constexpr int kReadsAtExit = 64;

// Writes all of `text` to `fd`, waiting up to a second when the reader is slow; false when
// the output is gone (a closed pipe) or stuck.
bool write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        const ssize_t written = ::write(fd, text.data(), text.size());
        if (written > 0) {
            text.remove_prefix(static_cast<std::size_t>(written));
            continue;
        }
        if (written == -1 && errno == EINTR) continue;
        if (written == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            pollfd slot{fd, POLLOUT, 0};
            if (::poll(&slot, 1, 1000) > 0) continue;
        }
        return false;
    }
    return true;
}

int milliseconds_until(Clock::time_point deadline, Clock::time_point now) {
    if (deadline <= now) return 0;
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
    return static_cast<int>(std::min(wait, kMaxPollWait).count());
}

// One of a child's output pipes and where its lines go.
struct Stream {
    UniqueFd pipe;
    LineSplitter lines;
    int target_fd;  // STDOUT_FILENO or STDERR_FILENO
};

struct Child {
    Child(int rank, std::size_t tail_lines) : rank(rank), tail(tail_lines) {}

    int rank;
    pid_t pid = -1;
    bool running = false;
    Stream out{UniqueFd(), LineSplitter(), STDOUT_FILENO};
    Stream err{UniqueFd(), LineSplitter(), STDERR_FILENO};
    TailLines tail;  // both streams, in the order they were read
    std::optional<ExitStatus> status;
};

class Supervisor {
 public:
    explicit Supervisor(const SuperviseOptions& options)
        : options_(options),
          grace_(std::chrono::duration_cast<Clock::duration>(
              std::chrono::duration<double>(std::max(options.grace_seconds, 0.0)))),
          reap_any_(::getpid() == 1),
          buffer_(kReadChunk) {}

    // Reached with children still running only when an exception is on its way out: they are
    // killed, not left behind (in a pod nothing else would stop them).
    ~Supervisor();

    Supervisor(const Supervisor&) = delete;
    Supervisor& operator=(const Supervisor&) = delete;

    SuperviseResult run(const std::vector<ChildSpec>& specs);

 private:
    void start(const std::vector<ChildSpec>& specs);
    void wait_for_children();
    void drain_output();
    void handle_signals();
    void read_stream(Child& child, Stream& stream, int max_reads);
    void emit(Child& child, const Stream& stream, std::string_view line);
    void reap();
    void on_exit(Child& child, ExitStatus status, std::vector<Child*>& failures);
    void take_cause(const std::vector<Child*>& failures);
    void stop_children(int signal, Clock::time_point now);
    // Through options_.signal_child when set, else to the child's process group.
    void send(const Child& child, int signal) noexcept;
    void enforce_deadlines(Clock::time_point now);
    bool counts_as_failure(const ExitStatus& status) const;
    bool any_running() const;
    std::size_t running_count() const;
    SuperviseResult result() const;

    const SuperviseOptions& options_;
    const Clock::duration grace_;
    // As a container's PID 1 the supervisor also inherits orphans (children of children):
    // reaping any pid keeps them from piling up as zombies.
    const bool reap_any_;
    std::vector<char> buffer_;
    std::string line_out_;  // reused for each re-emitted line
    std::vector<Child> children_;
    SignalChannel signals_;

    int stop_signal_ = 0;               // SIGTERM or SIGINT the supervisor received first
    std::optional<std::size_t> cause_;  // index of the first failed child
    std::optional<Error> spawn_error_;  // a command that could not be started
    int spawn_error_rank_ = 0;
    bool stopping_ = false;                        // children were asked to stop
    std::optional<Clock::time_point> kill_at_;     // SIGKILL the survivors then
    std::optional<Clock::time_point> give_up_at_;  // abandon children that survive SIGKILL
    bool output_broken_ = false;                   // warned once that stdout/stderr is gone
};

Supervisor::~Supervisor() {
    for (Child& child : children_) {
        if (child.running) send(child, SIGKILL);
    }
    // Bounded: poll for up to kKillTimeout, without allocating or throwing.
    const auto deadline = Clock::now() + kKillTimeout;
    for (Child& child : children_) {
        while (child.running) {
            int status = 0;
            const pid_t got = ::waitpid(child.pid, &status, WNOHANG);
            if (got == child.pid || (got == -1 && errno != EINTR)) {
                child.running = false;
            } else if (Clock::now() >= deadline) {
                break;
            } else {
                const timespec pause{0, 10 * 1000 * 1000};
                ::nanosleep(&pause, nullptr);
            }
        }
    }
}

SuperviseResult Supervisor::run(const std::vector<ChildSpec>& specs) {
    children_.reserve(specs.size());  // Child* handed around stay valid
    start(specs);
    wait_for_children();
    drain_output();
    SuperviseResult outcome = result();
    if (!options_.termination_log.empty()) {
        write_termination_log(options_.termination_log, outcome.termination_message);
    }
    return outcome;
}

void Supervisor::start(const std::vector<ChildSpec>& specs) {
    for (const ChildSpec& spec : specs) {
        Result<SpawnedChild> spawned = spawn_child(spec);
        if (!spawned.ok()) {
            spdlog::error("{}", spawned.error().message());
            spawn_error_ = spawned.error();
            spawn_error_rank_ = spec.rank;
            stop_children(SIGTERM, Clock::now());
            return;
        }
        Child& child = children_.emplace_back(spec.rank, options_.tail_lines);
        child.pid = spawned->pid;
        child.running = true;
        child.out.pipe = std::move(spawned->stdout_pipe);
        child.err.pipe = std::move(spawned->stderr_pipe);
        spdlog::debug("started rank {} as pid {}", child.rank, child.pid);
    }
    spdlog::info("started {} rank{} ({}); SIGTERM is forwarded, SIGKILL {} s later",
                 children_.size(), children_.size() == 1 ? "" : "s",
                 specs.empty() ? std::string("nothing to run") : specs.front().argv.front(),
                 options_.grace_seconds);
}

void Supervisor::wait_for_children() {
    std::vector<pollfd> slots;
    std::vector<std::pair<Child*, Stream*>> owners;  // parallel to slots[1..]
    while (any_running()) {
        const auto now = Clock::now();
        int timeout_ms = static_cast<int>(kMaxPollWait.count());
        if (kill_at_) timeout_ms = std::min(timeout_ms, milliseconds_until(*kill_at_, now));
        if (give_up_at_) timeout_ms = std::min(timeout_ms, milliseconds_until(*give_up_at_, now));

        slots.assign(1, pollfd{signals_.fd(), POLLIN, 0});
        owners.clear();
        for (Child& child : children_) {
            for (Stream* stream : {&child.out, &child.err}) {
                if (!stream->pipe.valid()) continue;
                slots.push_back(pollfd{stream->pipe.get(), POLLIN, 0});
                owners.emplace_back(&child, stream);
            }
        }
        const int ready = ::poll(slots.data(), slots.size(), timeout_ms);
        if (ready == -1 && errno != EINTR) throw_errno("poll", __FILE__, __LINE__);

        if (ready > 0 && slots[0].revents != 0) handle_signals();
        for (std::size_t i = 1; ready > 0 && i < slots.size(); ++i) {
            if (slots[i].revents != 0)
                read_stream(*owners[i - 1].first, *owners[i - 1].second, kReadsPerWake);
        }
        reap();
        enforce_deadlines(Clock::now());
    }
}

void Supervisor::drain_output() {
    const auto deadline = Clock::now() + kDrainTimeout;
    std::vector<pollfd> slots;
    std::vector<std::pair<Child*, Stream*>> owners;
    for (;;) {
        slots.clear();
        owners.clear();
        for (Child& child : children_) {
            for (Stream* stream : {&child.out, &child.err}) {
                if (!stream->pipe.valid()) continue;
                slots.push_back(pollfd{stream->pipe.get(), POLLIN, 0});
                owners.emplace_back(&child, stream);
            }
        }
        const auto now = Clock::now();
        if (slots.empty() || now >= deadline) break;
        const int ready = ::poll(slots.data(), slots.size(), milliseconds_until(deadline, now));
        if (ready == -1 && errno != EINTR) throw_errno("poll", __FILE__, __LINE__);
        for (std::size_t i = 0; ready > 0 && i < slots.size(); ++i) {
            if (slots[i].revents != 0)
                read_stream(*owners[i].first, *owners[i].second, kReadsPerWake);
        }
    }
    for (Child& child : children_) {
        for (Stream* stream : {&child.out, &child.err}) {
            if (stream->pipe.valid()) {
                spdlog::debug(
                    "rank {}: output still open after it exited (a process it "
                    "started holds it); no longer read",
                    child.rank);
                stream->pipe.reset();
            }
            stream->lines.flush([&](std::string_view line) { emit(child, *stream, line); });
        }
    }
}

void Supervisor::handle_signals() {
    for (const int signal : signals_.take()) {
        if (signal == SIGCHLD) continue;  // reap() runs after every wake-up
        const auto now = Clock::now();
        if (stop_signal_ == 0) {
            stop_signal_ = signal;
            spdlog::warn("got {}: forwarding it to {} running rank{}; SIGKILL after {} s",
                         signal_name(signal), running_count(), running_count() == 1 ? "" : "s",
                         options_.grace_seconds);
        } else {
            spdlog::warn("got {} again: forwarding it", signal_name(signal));
        }
        stop_children(signal, now);
    }
}

void Supervisor::read_stream(Child& child, Stream& stream, int max_reads) {
    for (int i = 0; i < max_reads && stream.pipe.valid(); ++i) {
        const ssize_t got = ::read(stream.pipe.get(), buffer_.data(), buffer_.size());
        if (got > 0) {
            stream.lines.feed(std::string_view(buffer_.data(), static_cast<std::size_t>(got)),
                              [&](std::string_view line) { emit(child, stream, line); });
        } else if (got == 0) {
            stream.pipe.reset();  // end of file: every writer has closed it
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return;
        } else {
            throw_errno("read", __FILE__, __LINE__);
        }
    }
}

// slipway-train's log lines carry "[rank N]" after their timestamp already; a second tag in
// front would only repeat it.
bool already_tagged(std::string_view line, int rank) {
    const std::string tag = "[rank " + std::to_string(rank) + "]";
    const size_t found = line.find(tag);
    return found != std::string_view::npos && found < 40;
}

void Supervisor::emit(Child& child, const Stream& stream, std::string_view line) {
    child.tail.add(line);
    line_out_.clear();
    if (options_.prefix_output && !already_tagged(line, child.rank)) {
        line_out_ += "[rank ";
        line_out_ += std::to_string(child.rank);
        line_out_ += "] ";
    }
    line_out_ += line;
    line_out_ += '\n';
    // One write per line: lines of different ranks do not interleave mid-line.
    if (!write_all(stream.target_fd, line_out_) && !output_broken_) {
        output_broken_ = true;
        spdlog::warn("cannot write the ranks' output to fd {} ({}); still supervising",
                     stream.target_fd, std::strerror(errno));
    }
}

void Supervisor::reap() {
    std::vector<Child*> failures;
    if (reap_any_) {
        for (;;) {
            int status = 0;
            const pid_t pid = ::waitpid(-1, &status, WNOHANG);
            if (pid == -1 && errno == EINTR) continue;
            if (pid == -1 && errno == ECHILD) break;
            if (pid == -1) throw_errno("waitpid", __FILE__, __LINE__);
            if (pid == 0) break;
            auto it = std::find_if(children_.begin(), children_.end(),
                                   [&](const Child& c) { return c.running && c.pid == pid; });
            if (it != children_.end()) on_exit(*it, decode_wait_status(status), failures);
        }
    } else {
        for (Child& child : children_) {
            if (!child.running) continue;
            int status = 0;
            pid_t pid = 0;
            do {
                pid = ::waitpid(child.pid, &status, WNOHANG);
            } while (pid == -1 && errno == EINTR);
            if (pid == -1) throw_errno("waitpid", __FILE__, __LINE__);
            if (pid == child.pid) on_exit(child, decode_wait_status(status), failures);
        }
    }
    take_cause(failures);
}

void Supervisor::on_exit(Child& child, ExitStatus status, std::vector<Child*>& failures) {
    child.running = false;
    child.status = status;
    // What it wrote before exiting is in the pipes already: read it now, so that its last
    // lines are in the tail before the termination message quotes them.
    read_stream(child, child.out, kReadsAtExit);
    read_stream(child, child.err, kReadsAtExit);
    if (!status.failed()) {
        spdlog::info("rank {} finished", child.rank);
    } else if (!counts_as_failure(status) || cause_ || spawn_error_) {
        spdlog::info("rank {} stopped: {}", child.rank, describe(status));
    } else {
        failures.push_back(&child);
    }
}

void Supervisor::take_cause(const std::vector<Child*>& failures) {
    if (failures.empty() || cause_ || spawn_error_) return;
    // Failures reaped together: a peer's "lost a peer" (10) is the consequence, not the cause.
    auto chosen = std::find_if(failures.begin(), failures.end(), [](const Child* child) {
        return child->status->code != to_int(ExitCode::kPeerFailed);
    });
    Child* cause = chosen != failures.end() ? *chosen : failures.front();
    cause_ = static_cast<std::size_t>(cause - children_.data());
    for (const Child* child : failures) {
        if (child != cause) {
            spdlog::info("rank {} stopped: {}", child->rank, describe(*child->status));
        }
    }
    const std::size_t others = running_count();
    spdlog::error("rank {} failed: {}{}", cause->rank, describe(*cause->status),
                  others == 0 ? std::string()
                              : "; stopping the other " + std::to_string(others) + " rank" +
                                    (others == 1 ? "" : "s"));
    if (!stopping_) stop_children(SIGTERM, Clock::now());
}

void Supervisor::send(const Child& child, int signal) noexcept {
    if (!options_.signal_child) {
        signal_group(child.pid, signal);
        return;
    }
    // A reaped child's pid may already belong to another process: the hook looks up the
    // pid's children, so it is used only while the child is known to be alive.
    if (!child.running) return;
    try {
        options_.signal_child(child.pid, signal);
    } catch (const std::exception& error) {
        spdlog::warn("cannot signal rank {} ({}): signalling its process group", child.rank,
                     error.what());
        signal_group(child.pid, signal);
    }
}

void Supervisor::stop_children(int signal, Clock::time_point now) {
    stopping_ = true;
    // Also the groups of children that already exited: what they started may still run. Their
    // ids cannot be reused while any member of the group lives, so this reaches only them.
    for (Child& child : children_) send(child, signal);
    if (!kill_at_ && !give_up_at_) kill_at_ = now + grace_;
}

void Supervisor::enforce_deadlines(Clock::time_point now) {
    if (kill_at_ && now >= *kill_at_ && any_running()) {
        for (Child& child : children_) {
            if (child.running) {
                spdlog::warn("rank {} did not stop within {} s: SIGKILL", child.rank,
                             options_.grace_seconds);
            }
            send(child, SIGKILL);
        }
        kill_at_.reset();
        give_up_at_ = now + kKillTimeout;
    }
    if (give_up_at_ && now >= *give_up_at_ && any_running()) {
        std::vector<Child*> failures;
        for (Child& child : children_) {
            if (!child.running) continue;
            spdlog::error("rank {} (pid {}) survived SIGKILL for {} s; no longer waiting for it",
                          child.rank, child.pid, kKillTimeout.count());
            on_exit(child, ExitStatus{128 + SIGKILL, SIGKILL}, failures);
        }
        take_cause(failures);
    }
}

bool Supervisor::counts_as_failure(const ExitStatus& status) const {
    if (!status.failed()) return false;
    // After a stop request, the codes of an orderly stop are the expected outcome.
    if (stop_signal_ != 0) {
        return status.code != to_int(ExitCode::kPreempted) && status.code != 128 + stop_signal_;
    }
    return true;
}

bool Supervisor::any_running() const { return running_count() > 0; }

std::size_t Supervisor::running_count() const {
    return static_cast<std::size_t>(std::count_if(
        children_.begin(), children_.end(), [](const Child& child) { return child.running; }));
}

SuperviseResult Supervisor::result() const {
    SuperviseResult outcome;
    std::string codes;
    for (const Child& child : children_) {
        if (!codes.empty()) codes += ", ";
        codes += std::to_string(child.rank) + ": " +
                 (child.status ? std::to_string(child.status->code) : std::string("?"));
    }
    const std::string code_line = codes.empty() ? "" : "exit codes by rank: " + codes + "\n";
    const std::size_t total = children_.size();
    const std::string ranks = std::to_string(total) + " rank" + (total == 1 ? "" : "s");

    if (spawn_error_) {
        outcome.exit_code = to_int(spawn_error_->code);
        outcome.failed_rank = spawn_error_rank_;
        outcome.reason = "cannot start rank " + std::to_string(spawn_error_rank_) + ": " +
                         spawn_error_->message();
        outcome.termination_message =
            outcome.reason + "\n" +
            (total == 0 ? "" : "stopped the " + ranks + " already started; ") + "exit code " +
            std::to_string(outcome.exit_code) + " (" + exit_code_meaning(outcome.exit_code) +
            ")\n" + code_line;
        return outcome;
    }
    if (cause_) {
        const Child& cause = children_[*cause_];
        outcome.exit_code = cause.status->code;
        outcome.failed_rank = cause.rank;
        outcome.reason =
            "rank " + std::to_string(cause.rank) + " failed: " + describe(*cause.status);
        const std::string summary = "rank " + std::to_string(cause.rank) + " of " + ranks +
                                    " failed first: " + describe(*cause.status) + "\n" +
                                    (total > 1 ? "the other ranks were stopped; " : "") +
                                    "exit code " + std::to_string(outcome.exit_code) + "\n" +
                                    code_line;
        outcome.termination_message =
            format_termination_message(summary, cause.rank, cause.tail.lines());
        return outcome;
    }
    const bool all_finished = std::all_of(children_.begin(), children_.end(), [](const Child& c) {
        return c.status && !c.status->failed();
    });
    if (stop_signal_ != 0 && !all_finished) {
        outcome.exit_code = 128 + stop_signal_;
        outcome.reason = "stopped by " + signal_name(stop_signal_) + ": every rank stopped";
    } else {
        outcome.exit_code = 0;
        outcome.reason = "all " + ranks + " finished";
    }
    outcome.termination_message =
        format_termination_message(outcome.reason + "\n" + code_line, 0, {});
    return outcome;
}

}  // namespace

SuperviseResult supervise(const std::vector<ChildSpec>& children, const SuperviseOptions& options) {
    if (children.empty()) {
        SuperviseResult nothing;
        nothing.exit_code = to_int(ExitCode::kBadSpec);
        nothing.reason = "no ranks to start";
        nothing.termination_message = nothing.reason + "\n";
        return nothing;
    }
    Supervisor supervisor(options);
    return supervisor.run(children);
}

}  // namespace slipway::launch
