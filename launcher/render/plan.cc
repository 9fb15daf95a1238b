#include "render/plan.h"

#include <cstdio>

#include "render/failure_policy.h"
#include "render/job_layout.h"
#include "render/manifests.h"
#include "render/pod_template.h"
#include "spec/quantity.h"

namespace slipway::render {
namespace {

std::string join(const std::vector<std::string>& words, const std::string& separator = " ") {
    std::string out;
    for (size_t i = 0; i < words.size(); ++i) out += (i ? separator : "") + words[i];
    return out;
}

std::string duration(int64_t seconds) {
    if (seconds == 0) return "none";
    char buffer[64];
    if (seconds % 86400 == 0) {
        std::snprintf(buffer, sizeof buffer, "%llds (%lld d)", static_cast<long long>(seconds),
                      static_cast<long long>(seconds / 86400));
    } else if (seconds % 3600 == 0) {
        std::snprintf(buffer, sizeof buffer, "%llds (%lld h)", static_cast<long long>(seconds),
                      static_cast<long long>(seconds / 3600));
    } else {
        std::snprintf(buffer, sizeof buffer, "%llds", static_cast<long long>(seconds));
    }
    return buffer;
}

std::string cpu_total(const std::string& per_pod, int pods) {
    const double cores = parse_quantity(per_pod).value_or(0) * pods;
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", cores);
    return buffer;
}

void line(std::string& out, const std::string& label, const std::string& text) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "  %-12s ", label.c_str());
    out += buffer + text + "\n";
}

}  // namespace

Result<std::string> describe_plan(const JobSpec& spec,
                                  const std::vector<SpecOverride>& overrides) {
    auto layout = make_layout(spec, overrides);
    SLIPWAY_RETURN_IF_ERROR(layout);
    auto manifests = render_manifests(spec, overrides);
    SLIPWAY_RETURN_IF_ERROR(manifests);
    const ResourcesSpec& res = spec.resources;
    const KubernetesSpec& k8s = spec.kubernetes;
    const bool gpu = res.gpus_per_node > 0;
    const bool mpi = k8s.target == RenderTarget::kMpiJob;

    std::string out = "Job " + spec.name + " in namespace " + k8s.namespace_name + ", target " +
                      to_string(k8s.target) + "\n";
    line(out, "ranks",
         std::to_string(layout->nodes) + (layout->nodes == 1 ? " pod x " : " pods x ") +
             std::to_string(layout->ranks_per_node) +
             (gpu ? " GPU process" : " process") + (layout->ranks_per_node == 1 ? "" : "es") +
             " = " + std::to_string(layout->world_size) +
             (layout->world_size == 1 ? " rank" : " ranks") + "; collectives: " +
             (gpu ? "NCCL" : (mpi ? "MPI" : "gloo over the TCP rendezvous")));
    line(out, "per pod",
         "cpu " + res.cpu + ", memory " +
             format_bytes(parse_quantity(res.memory).value_or(0)) + ", /dev/shm " +
             format_bytes(parse_quantity(res.shm_size).value_or(0)) +
             (gpu ? ", nvidia.com/gpu " + std::to_string(res.gpus_per_node) : "") +
             " (requests = limits)");
    line(out, "in total",
         "cpu " + cpu_total(res.cpu, layout->nodes) + ", memory " +
             format_bytes(parse_quantity(res.memory).value_or(0) * layout->nodes) +
             (gpu ? ", GPUs " + std::to_string(res.gpus_per_node * layout->nodes) : ", no GPUs") +
             (mpi ? " (+ the MPIJob launcher: cpu 1, memory 1 GiB)" : ""));
    line(out, "image", spec.image + " (pull " + k8s.image_pull_policy + ")");
    if (mpi) {
        line(out, "rendezvous",
             "mpirun in the launcher pod reaches the workers over SSH (mpi-operator)");
    } else {
        line(out, "rendezvous",
             "MASTER_ADDR=" + layout->master_addr + " MASTER_PORT=" +
                 std::to_string(layout->port) + " (headless Service " + layout->service +
                 (k8s.target == RenderTarget::kJobSet ? ", made by JobSet)" : ")"));
    }
    std::vector<std::string> placement;
    placement.push_back(res.exclusive_nodes ? "one pod per node (pod anti-affinity)"
                                            : "pods may share a node");
    for (const auto& [key, value] : res.node_selector) {
        placement.push_back("node " + key + "=" + value);
    }
    if (gpu) placement.push_back("tolerates nvidia.com/gpu:NoSchedule");
    for (const Toleration& t : res.tolerations) {
        placement.push_back("tolerates " + (t.key.empty() ? std::string("every taint") : t.key) +
                            (t.op == "Equal" ? "=" + t.value : "") +
                            (t.effect.empty() ? "" : ":" + t.effect));
    }
    if (k8s.host_network) placement.push_back("host network");
    line(out, "placement", join(placement, "; "));
    std::vector<std::string> mounts = {"spec: ConfigMap " + layout->config_map + " at /etc/slipway"};
    for (const VolumeMount& v : k8s.volumes) {
        const std::string source = !v.pvc.empty()        ? "PVC " + v.pvc
                                   : !v.config_map.empty() ? "ConfigMap " + v.config_map
                                                           : "Secret " + v.secret;
        mounts.push_back(v.name + ": " + source + " at " + v.mount_path +
                         (v.read_only ? " (read-only)" : ""));
    }
    line(out, "volumes", join(mounts, "; "));
    if (k8s.network == NetworkMode::kRdma) {
        line(out, "network",
             "RDMA (InfiniBand/RoCE): " + k8s.rdma_resource + " x1 per pod, IPC_LOCK, " +
                 "NCCL_IB_DISABLE=0" +
                 (k8s.nccl_ib_hca.empty() ? "" : ", NCCL_IB_HCA=" + k8s.nccl_ib_hca) +
                 (k8s.nccl_socket_ifname.empty() ? ""
                                                 : ", NCCL_SOCKET_IFNAME=" +
                                                       k8s.nccl_socket_ifname) +
                 (k8s.host_network ? ", host network" : ""));
    }
    line(out, "data", spec.data.path + "; checkpoints in " + spec.checkpoint_dir() + " (every " +
                          std::to_string(spec.checkpoint.every_steps) + " steps, keep " +
                          std::to_string(spec.checkpoint.keep) + ")" +
                          (spec.model_export.repository.empty()
                               ? ""
                               : "; exports to " + spec.model_export.repository));
    line(out, "queue", k8s.queue.empty()
                           ? "none: the scheduler places the pods at once"
                           : "Kueue LocalQueue " + k8s.queue +
                                 ": created suspended, started when Kueue admits it");
    line(out, "priority", k8s.priority_class.empty() ? "the cluster's default"
                                                     : "PriorityClass " + k8s.priority_class);
    line(out, "schedule", k8s.schedule.empty()
                              ? "runs once"
                              : "CronJob \"" + k8s.schedule + "\", concurrencyPolicy Forbid");
    line(out, "limits",
         std::string(k8s.target == RenderTarget::kJobSet ? "maxRestarts " : "backoffLimit ") +
             std::to_string(k8s.backoff_limit) + ", activeDeadlineSeconds " +
             duration(k8s.active_deadline_seconds) + ", deleted " +
             duration(k8s.ttl_seconds_after_finished) + " after finishing, SIGTERM grace " +
             std::to_string(k8s.termination_grace_seconds) + "s");
    line(out, "command", join(mpi ? mpirun_command(spec, *layout)
                                  : trainer_command(spec, *layout)));

    if (mpi) {
        out += "\nExit codes: MPIJob has no podFailurePolicy; mpi-operator retries the launcher "
               "up to backoffLimit times, whatever the code.\n";
    } else {
        out += "\nExit codes (podFailurePolicy of each pod):\n";
        for (const ExitCodeRule& rule : exit_code_rules()) {
            char buffer[256];
            std::snprintf(buffer, sizeof buffer, "  %-5s %-8s %s: ",
                          rule.code < 0 ? "other" : std::to_string(rule.code).c_str(),
                          rule.action == FailureAction::kCount ? "count" : to_string(rule.action),
                          rule.meaning.c_str());
            out += buffer + rule.why + "\n";
        }
        out += "  pod disruptions (eviction, preemption, node drain): Ignore\n";
    }
    std::vector<std::string> objects;
    for (const Manifest& manifest : *manifests) objects.push_back(manifest.kind + "/" + manifest.name);
    out += "\nObjects: " + join(objects, ", ") + "\n";
    return out;
}

}  // namespace slipway::render
