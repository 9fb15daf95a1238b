// `slipway-launch run`: the job on this machine, through mpirun or as local processes.
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "cli/spec_loading.h"
#include "common/exit_status_file.h"
#include "common/log.h"
#include "local/job_outcome.h"
#include "local/mpirun_command.h"
#include "local/process_tree.h"
#include "supervise/child_env.h"
#include "supervise/supervisor.h"

namespace slipway::launch {
namespace {

struct RunFlags {
    SpecFlags spec;
    int np = 0;  // 0: the spec's world size
    bool no_mpi = false;
    bool dry_run = false;
    std::string mpirun = "mpirun";
    std::vector<std::string> trainer_args;  // after --
};

int usable_cores() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
    return std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN));
}

// slipway-train next to this binary (build/bin, /opt/slipway/bin), else from PATH.
std::string trainer_binary() {
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const auto sibling = self.parent_path() / "slipway-train";
        if (std::filesystem::exists(sibling, ec)) return sibling.string();
    }
    return "slipway-train";
}

// A private folder for the ranks' exit statuses, removed when the run ends.
class StatusDir {
public:
    StatusDir() {
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/slipway-run-XXXXXX";
        if (::mkdtemp(pattern.data())) path_ = pattern;
    }
    ~StatusDir() {
        std::error_code ec;
        if (!path_.empty()) std::filesystem::remove_all(path_, ec);
    }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

std::string joined(const std::vector<std::string>& words) {
    std::string out;
    for (const std::string& word : words) out += (out.empty() ? "" : " ") + word;
    return out;
}

int run_local(const RunFlags& flags) {
    init_program_logging("slipway-launch", std::nullopt);
    auto loaded = load_spec(flags.spec);
    if (!loaded.ok()) return report(loaded.error());
    const JobSpec& spec = loaded->spec;
    const int ranks = flags.np > 0 ? flags.np : spec.resources.world_size();
    const int grace = static_cast<int>(spec.kubernetes.termination_grace_seconds);

    std::vector<std::string> trainer_argv = {trainer_binary(), flags.spec.path};
    for (const SpecOverride& override : loaded->overrides) {
        trainer_argv.push_back("--set");
        trainer_argv.push_back(override.key_path + "=" + override.value);
    }
    trainer_argv.insert(trainer_argv.end(), flags.trainer_args.begin(), flags.trainer_args.end());

    StatusDir status_dir;
    if (status_dir.path().empty()) {
        return report(Error{ExitCode::kBadSpec, "cannot create a folder for the ranks' exit "
                                                "statuses under $TMPDIR or /tmp",
                            "TMPDIR", "set TMPDIR to a writable folder"});
    }
    std::vector<ChildSpec> children;
    SuperviseOptions options;
    options.grace_seconds = grace;
    if (flags.no_mpi) {
        children = local_children(ranks, trainer_argv, find_free_port());
    } else {
        LocalRunPlan plan;
        plan.ranks = ranks;
        plan.cores = usable_cores();
        plan.root = ::geteuid() == 0;
        plan.mpirun = flags.mpirun;
        plan.trainer_argv = trainer_argv;
        plan.exit_status_dir = status_dir.path();
        const LocalCommand command = mpirun_command(plan);
        children.push_back(ChildSpec{0, command.argv, command.env});
        // mpirun relays the ranks' output (their lines carry their rank); a SIGTERM goes to
        // the ranks themselves, which checkpoint and exit 143, and SIGKILL follows after the
        // grace period (docs/launcher.md says why not through mpirun).
        options.prefix_output = false;
        options.signal_child = signal_mpi_ranks;
    }
    if (flags.dry_run) {
        for (const ChildSpec& child : children) {
            std::string env;
            for (const auto& [name, value] : child.env) env += name + "=" + value + " ";
            std::printf("%s%s\n", env.c_str(), joined(child.argv).c_str());
        }
        return 0;
    }
    std::fprintf(stderr, "slipway-launch: running %s on %d rank%s %s\n", spec.name.c_str(), ranks,
                 ranks == 1 ? "" : "s",
                 flags.no_mpi ? "as local processes (gloo rendezvous on 127.0.0.1)"
                              : "through mpirun");
    const SuperviseResult result = supervise(children, options);
    int code = result.exit_code;
    std::string summary = result.reason;
    const std::vector<RankExit> statuses = read_exit_statuses(status_dir.path());
    if (!flags.no_mpi && !(statuses.empty() && result.exit_code == to_int(ExitCode::kBadSpec))) {
        // (exit 2 with no rank status: mpirun itself could not start; its reason stands.)
        const bool interrupted = !result.failed_rank && (result.exit_code == 128 + SIGTERM ||
                                                         result.exit_code == 128 + SIGINT);
        const JobOutcome outcome = job_outcome(statuses, ranks, result.exit_code, interrupted);
        code = outcome.code;
        summary = outcome.summary;
    }
    std::fprintf(stderr, "slipway-launch: job %s %s (exit %d): %s\n", spec.name.c_str(),
                 code == 0 ? "finished" : "ended", code, summary.c_str());
    return code;
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
    auto flags = std::make_shared<RunFlags>();
    CLI::App* command = app.add_subcommand(
        "run",
        "Run the job on this machine: through mpirun (default) with the flags a one-host run\n"
        "wants (root variables only as root, --oversubscribe only when ranks exceed cores,\n"
        "shared-memory transports, BLAS threads per rank), or with --no-mpi as N supervised\n"
        "processes with torchrun-style variables and gloo. SIGTERM or Ctrl-C goes to the\n"
        "ranks, which checkpoint and stop; SIGKILL follows after\n"
        "kubernetes.terminationGracePeriodSeconds.\n"
        "The exit code is the job's (DESIGN.md), and a failing rank is named; 143 means the\n"
        "ranks stopped after a checkpoint: run again to resume.\n"
        "  slipway-launch run configs/fashion-mnist.yaml --np 2\n"
        "  slipway-launch run job.yaml --no-mpi --np 4 -- --metrics-file runs/m.jsonl");
    add_spec_flags(*command, flags->spec, false);
    command->add_option("--np", flags->np, "Ranks (default: the spec's resources: nodes x ranks "
                                           "per node)")
        ->check(CLI::PositiveNumber);
    command->add_flag("--no-mpi", flags->no_mpi,
                      "Start the ranks as local processes (gloo over 127.0.0.1), no mpirun");
    command->add_option("--mpirun", flags->mpirun, "The mpirun to use (default: from PATH)");
    command->add_flag("--dry-run", flags->dry_run, "Print the command lines, start nothing");
    command->add_option("trainer_args", flags->trainer_args,
                        "After --: more slipway-train flags (--metrics-file, --summary-file, ...)");
    command->callback([flags, &exit_code] { exit_code = run_local(*flags); });
}

}  // namespace slipway::launch
