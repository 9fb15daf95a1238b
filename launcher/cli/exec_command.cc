// `slipway-launch exec -- CMD...`: the entrypoint of each training pod. Starts the pod's
// processes with their ranks, relays their output, forwards SIGTERM, stops them all on the
// first failure and exits with that failure's code.
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "common/exit_code.h"
#include "common/log.h"
#include "supervise/child_env.h"
#include "supervise/supervisor.h"

namespace slipway::launch {

namespace {

constexpr const char* kKubernetesTerminationLog = "/dev/termination-log";

struct ExecCommand {
    int nproc = 1;
    int node_rank = 0;
    double grace_seconds = 30;
    std::string termination_log = kKubernetesTerminationLog;
    bool no_prefix = false;
    std::vector<std::string> command;
    CLI::Option* nproc_option = nullptr;
    CLI::Option* node_rank_option = nullptr;
    CLI::Option* termination_log_option = nullptr;
};

// Kubernetes mounts /dev/termination-log into every container. Elsewhere (a shell, docker run)
// the default must not create a file in /dev (as root it could) or warn on every run; a path
// given by flag or environment is always written.
std::string termination_log_path(const ExecCommand& command) {
    if (command.termination_log_option->count() > 0 ||
        command.termination_log != kKubernetesTerminationLog) {
        return command.termination_log;
    }
    struct stat info {};
    if (::stat(kKubernetesTerminationLog, &info) == 0) return command.termination_log;
    spdlog::debug("{} does not exist (not in a Kubernetes container): no termination message",
                  kKubernetesTerminationLog);
    return {};
}

int run_exec(const ExecCommand& command) {
    init_program_logging("slipway-launch", std::nullopt);
    ExecFlags flags;
    if (command.nproc_option->count() > 0) flags.nproc = command.nproc;
    if (command.node_rank_option->count() > 0) flags.node_rank = command.node_rank;
    Result<ExecLayout> layout = exec_layout(process_environment(), flags);
    if (!layout.ok()) {
        spdlog::error("{}", layout.error().message());
        return to_int(layout.error().code);
    }
    const int first = layout->node_rank * layout->local_world_size;
    spdlog::info("pod {}: ranks {}..{} of WORLD_SIZE={}, rendezvous at {}:{}", layout->node_rank,
                 first, first + layout->local_world_size - 1, layout->world_size,
                 layout->master_addr, layout->master_port);

    SuperviseOptions options;
    options.grace_seconds = command.grace_seconds;
    options.termination_log = termination_log_path(command);
    options.prefix_output = !command.no_prefix;
    try {
        const SuperviseResult result = supervise(exec_children(*layout, command.command), options);
        if (result.exit_code == 0) {
            spdlog::info("{}", result.reason);
        } else {
            spdlog::error("exit code {}: {}", result.exit_code, result.reason);
        }
        return result.exit_code;
    } catch (const std::exception& error) {
        // The supervisor killed the children before this exception left it.
        spdlog::critical("supervisor failed: {}", error.what());
        return to_int(ExitCode::kInternal);
    }
}

}  // namespace

void add_exec_command(CLI::App& app, int& exit_code) {
    auto command = std::make_shared<ExecCommand>();
    CLI::App* sub = app.add_subcommand(
        "exec",
        "The entrypoint of a training pod: runs CMD as this pod's ranks and exits with the "
        "first failure's code.");
    sub->footer(
        "Starts --nproc copies of CMD, each in its own process group, with\n"
        "  RANK = node_rank * LOCAL_WORLD_SIZE + LOCAL_RANK, LOCAL_RANK, WORLD_SIZE,\n"
        "  LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT\n"
        "and the rest of the environment unchanged (no CUDA_VISIBLE_DEVICES: the trainer picks\n"
        "its device by LOCAL_RANK). It reads:\n"
        "  LOCAL_WORLD_SIZE      processes per pod (default 1; --nproc wins)\n"
        "  JOB_COMPLETION_INDEX  this pod's index in an Indexed Job (default 0; --node-rank "
        "wins)\n"
        "  WORLD_SIZE            ranks in the job (default LOCAL_WORLD_SIZE: one pod)\n"
        "  MASTER_ADDR           rank 0's address (default 127.0.0.1 when there is one pod)\n"
        "  MASTER_PORT           its rendezvous port (default 29500)\n"
        "Each output line is re-emitted as \"[rank N] line\" (stdout to stdout, stderr to "
        "stderr).\n\n"
        "SIGTERM or SIGINT is forwarded to every rank; ranks still running after the grace\n"
        "period get SIGKILL. When a rank fails (non-zero exit, or killed by a signal: 128 +\n"
        "signal) the others are stopped the same way.\n\n"
        "Exit code: that of the first rank to fail, not the 10 or 143 its siblings exit with\n"
        "once stopped; 0 when all finish; 143 after a forwarded SIGTERM when every rank\n"
        "stopped cleanly (0 or 143); 137 for a rank killed by SIGKILL (out of memory or past\n"
        "the grace period); 2 for bad flags or environment, or a command that cannot be run\n"
        "(not found in PATH, not executable). The termination log gets the failing rank, its\n"
        "code and what it means, and its last 20 output lines (at most 4096 bytes).\n\n"
        "Example (Indexed Job pod with 2 processes):\n"
        "  slipway-launch exec --nproc 2 -- slipway-train /etc/slipway/job.yaml");
    command->nproc_option =
        sub->add_option("--nproc", command->nproc,
                        "Processes in this pod (default: env LOCAL_WORLD_SIZE, else 1)")
            ->check(CLI::PositiveNumber);
    command->node_rank_option =
        sub->add_option("--node-rank", command->node_rank,
                        "This pod's index among the job's pods (default: env "
                        "JOB_COMPLETION_INDEX, else 0)")
            ->check(CLI::NonNegativeNumber);
    sub->add_option("--grace-period", command->grace_seconds,
                    "Seconds between SIGTERM and SIGKILL when stopping ranks")
        ->envname("SLIPWAY_GRACE_PERIOD")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    command->termination_log_option =
        sub->add_option("--termination-log", command->termination_log,
                        "Where the failure summary goes; \"\" for nowhere (the default is "
                        "written only when it exists, as in a Kubernetes container)")
            ->envname("SLIPWAY_TERMINATION_LOG")
            ->capture_default_str();
    sub->add_flag("--no-prefix", command->no_prefix,
                  "Re-emit output lines without the \"[rank N] \" prefix");
    sub->add_option("command", command->command,
                    "The command every rank runs, after --: -- CMD ARGS...")
        ->required();
    sub->callback([command, &exit_code] { exit_code = run_exec(*command); });
}

}  // namespace slipway::launch
