// `slipway-launch apply | delete | status | logs`: the job on a cluster, through kubectl.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/spec_loading.h"
#include "kubectl/job_status.h"
#include "kubectl/kubectl.h"
#include "render/manifests.h"

namespace slipway::launch {
namespace {

struct ClusterFlags {
    SpecFlags spec;
    std::string dry_run;  // apply: "", client or server
    int rank = -1;        // logs
    bool follow = false;  // logs
    bool previous = false;
};

// The rendered objects, or the exit code of the error already reported.
Result<std::vector<render::Manifest>> rendered(const LoadedSpec& loaded) {
    return render::render_manifests(loaded.spec, loaded.overrides);
}

int run_apply(const ClusterFlags& flags, bool remove) {
    auto loaded = load_spec(flags.spec);
    if (!loaded.ok()) return report(loaded.error());
    auto manifests = rendered(*loaded);
    if (!manifests.ok()) return report(manifests.error());
    std::vector<std::string> args;
    if (remove) {
        // What apply created, nothing else; a CronJob's Jobs and their pods go with it.
        args = {"delete", "-f", "-", "--ignore-not-found"};
    } else {
        args = {"apply", "-f", "-"};
        if (!flags.dry_run.empty()) args.push_back("--dry-run=" + flags.dry_run);
    }
    auto result = run_kubectl(args, render::to_yaml_stream(*manifests), false);
    if (!result.ok()) return report(result.error());
    return result->exit_code;  // kubectl's own code; its errors already went to stderr
}

const char* workload_kind(const JobSpec& spec) {
    switch (spec.kubernetes.target) {
        case RenderTarget::kIndexedJob:
            return spec.kubernetes.schedule.empty() ? "job" : "cronjob";
        case RenderTarget::kJobSet: return "jobset";
        case RenderTarget::kMpiJob: return "mpijob";
    }
    return "job";
}

std::string instance_selector(const JobSpec& spec) {
    return "app.kubernetes.io/instance=" + spec.name;
}

int run_status(const ClusterFlags& flags) {
    auto loaded = load_spec(flags.spec);
    if (!loaded.ok()) return report(loaded.error());
    const JobSpec& spec = loaded->spec;
    const std::string& ns = spec.kubernetes.namespace_name;
    auto workload = run_kubectl({"get", workload_kind(spec), spec.name, "-n", ns, "-o", "json"},
                                "", true);
    if (!workload.ok()) return report(workload.error());
    if (workload->exit_code != 0) {
        std::fputs(workload->err.c_str(), stderr);
        return workload->exit_code;
    }
    auto pods = run_kubectl({"get", "pods", "-n", ns, "-l", instance_selector(spec), "-o", "json"},
                            "", true);
    if (!pods.ok()) return report(pods.error());
    if (pods->exit_code != 0) {
        std::fputs(pods->err.c_str(), stderr);
        return pods->exit_code;
    }
    auto text = format_job_status(workload->out, pods->out);
    if (!text.ok()) return report(text.error());
    std::fputs(text->c_str(), stdout);
    return 0;
}

int run_logs(const ClusterFlags& flags) {
    auto loaded = load_spec(flags.spec);
    if (!loaded.ok()) return report(loaded.error());
    const JobSpec& spec = loaded->spec;
    const int world = spec.resources.world_size();
    if (flags.rank < 0 || flags.rank >= world) {
        return report(spec_error("--rank " + std::to_string(flags.rank),
                                 "rank must be in [0, " + std::to_string(world) + ")",
                                 "the job has " + std::to_string(world) + " ranks"));
    }
    std::string selector = instance_selector(spec);
    if (spec.kubernetes.target == RenderTarget::kMpiJob) {
        // Under mpirun every rank's output goes through the launcher pod.
        selector += ",app.kubernetes.io/component=launcher";
    } else {
        const int pod_index = flags.rank / spec.resources.ranks_per_node();
        selector += ",batch.kubernetes.io/job-completion-index=" + std::to_string(pod_index);
    }
    std::vector<std::string> args = {"logs", "-n", spec.kubernetes.namespace_name, "-l", selector,
                                     "--tail=-1", "--prefix=false"};
    if (flags.follow) args.push_back("--follow");
    if (flags.previous) args.push_back("--previous");
    const bool shared_pod = spec.resources.ranks_per_node() > 1 ||
                            spec.kubernetes.target == RenderTarget::kMpiJob;
    if (!shared_pod || flags.follow) {
        auto result = run_kubectl(args, "", false);
        if (!result.ok()) return report(result.error());
        return result->exit_code;
    }
    // Several ranks share the pod's log: keep the lines of the one asked for.
    auto result = run_kubectl(args, "", true);
    if (!result.ok()) return report(result.error());
    std::fputs(result->err.c_str(), stderr);
    const std::string tag = "[rank " + std::to_string(flags.rank) + "]";
    size_t start = 0;
    while (start < result->out.size()) {
        size_t end = result->out.find('\n', start);
        if (end == std::string::npos) end = result->out.size();
        const std::string line = result->out.substr(start, end - start);
        if (line.find(tag) != std::string::npos) std::printf("%s\n", line.c_str());
        start = end + 1;
    }
    return result->exit_code;
}

}  // namespace

void add_kubectl_commands(CLI::App& app, int& exit_code) {
    auto apply_flags = std::make_shared<ClusterFlags>();
    CLI::App* apply = app.add_subcommand(
        "apply",
        "Render the job and `kubectl apply -f -` it; kubectl's output and exit code are passed\n"
        "on. --dry-run=client|server asks kubectl (and the API server) to check without\n"
        "creating anything. kubectl is $SLIPWAY_KUBECTL or `kubectl` on PATH.");
    add_spec_flags(*apply, apply_flags->spec, true);
    apply->add_option("--dry-run", apply_flags->dry_run, "client or server")
        ->check(CLI::IsMember({"client", "server"}));
    apply->callback([apply_flags, &exit_code] { exit_code = run_apply(*apply_flags, false); });

    auto delete_flags = std::make_shared<ClusterFlags>();
    CLI::App* remove = app.add_subcommand(
        "delete", "Delete what `apply` created (`kubectl delete -f - --ignore-not-found`).");
    add_spec_flags(*remove, delete_flags->spec, true);
    remove->callback([delete_flags, &exit_code] { exit_code = run_apply(*delete_flags, true); });

    auto status_flags = std::make_shared<ClusterFlags>();
    CLI::App* status = app.add_subcommand(
        "status",
        "The job's state and each pod's index, phase, restarts, exit code and termination\n"
        "message (which rank failed, with which code, and its last log lines).");
    add_spec_flags(*status, status_flags->spec, true);
    status->callback([status_flags, &exit_code] { exit_code = run_status(*status_flags); });

    auto logs_flags = std::make_shared<ClusterFlags>();
    logs_flags->rank = 0;
    CLI::App* logs = app.add_subcommand("logs", "One rank's log, through `kubectl logs`.");
    add_spec_flags(*logs, logs_flags->spec, true);
    logs->add_option("--rank", logs_flags->rank, "The rank (default 0)");
    logs->add_flag("-f,--follow", logs_flags->follow, "Stream the pod's log");
    logs->add_flag("--previous", logs_flags->previous, "The previous (failed) container's log");
    logs->callback([logs_flags, &exit_code] { exit_code = run_logs(*logs_flags); });
}

}  // namespace slipway::launch
