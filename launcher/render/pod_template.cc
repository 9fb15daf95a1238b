#include "render/pod_template.h"

#include <algorithm>
#include <cmath>

#include "spec/quantity.h"

namespace slipway::render {
namespace {

constexpr const char* kVersion = "0.1.0";
constexpr const char* kTokenDir = "/var/run/secrets/slipway";

Value string_list(const std::vector<std::string>& items) {
    Value list = Value::list();
    for (const std::string& item : items) list.push(item);
    return list;
}

Value env_var(const std::string& name, const std::string& value) {
    return Value::map({{"name", name}, {"value", value}});
}

// BLAS/OpenMP threads per rank: the pod's CPUs shared by its ranks, at least one.
int threads_per_rank(const JobSpec& spec, const JobLayout& layout) {
    const double cpus = parse_quantity(spec.resources.cpu).value_or(1.0);
    return std::max(1, static_cast<int>(std::floor(cpus / layout.ranks_per_node)));
}

Value container_env(const JobSpec& spec, const JobLayout& layout, PodRole role) {
    Value env = Value::list();
    if (layout.cron && role == PodRole::kTrainer) {
        // A CronJob's Jobs get generated names; $(JOB_NAME) below expands to the current one.
        env.push(Value::map({
            {"name", "JOB_NAME"},
            {"valueFrom",
             Value::map({{"fieldRef", Value::map({{"fieldPath",
                                                   "metadata.labels['batch.kubernetes.io/"
                                                   "job-name']"}})}})},
        }));
    }
    if (role == PodRole::kTrainer) {
        env.push(env_var("WORLD_SIZE", std::to_string(layout.world_size)));
        env.push(env_var("LOCAL_WORLD_SIZE", std::to_string(layout.ranks_per_node)));
        env.push(env_var("MASTER_ADDR", layout.master_addr));
        env.push(env_var("MASTER_PORT", std::to_string(layout.port)));
    }
    if (!spec.kubernetes.job_token_secret.empty()) {
        env.push(env_var("SLIPWAY_JOB_TOKEN_FILE", std::string(kTokenDir) + "/token"));
    }
    env.push(env_var("OMP_NUM_THREADS", std::to_string(threads_per_rank(spec, layout))));
    env.push(env_var("HOME", kHomeDir));
    env.push(env_var("TMPDIR", "/tmp"));
    if (layout.gpus_per_node > 0 || spec.kubernetes.network == NetworkMode::kRdma) {
        const bool rdma = spec.kubernetes.network == NetworkMode::kRdma;
        // Without RDMA devices in the pod NCCL would still probe for them; say so up front.
        env.push(env_var("NCCL_IB_DISABLE", rdma ? "0" : "1"));
        if (rdma && !spec.kubernetes.nccl_ib_hca.empty()) {
            env.push(env_var("NCCL_IB_HCA", spec.kubernetes.nccl_ib_hca));
        }
        if (!spec.kubernetes.nccl_socket_ifname.empty()) {
            env.push(env_var("NCCL_SOCKET_IFNAME", spec.kubernetes.nccl_socket_ifname));
        }
    }
    for (const auto& [name, value] : spec.kubernetes.env) env.push(env_var(name, value));
    return env;
}

Value container_resources(const JobSpec& spec, const JobLayout& layout, PodRole role) {
    Value amounts = Value::map();
    if (role == PodRole::kMpiLauncher) {
        // mpirun itself needs little; the ranks run in the workers.
        amounts.set("cpu", "1");
        amounts.set("memory", "1Gi");
    } else {
        amounts.set("cpu", spec.resources.cpu);
        amounts.set("memory", spec.resources.memory);
        if (layout.gpus_per_node > 0) {
            amounts.set("nvidia.com/gpu", std::to_string(layout.gpus_per_node));
        }
        if (spec.kubernetes.network == NetworkMode::kRdma) {
            amounts.set(spec.kubernetes.rdma_resource, "1");
        }
    }
    // requests = limits: Guaranteed QoS, so a training pod is the last to be evicted, and
    // the scheduler reserves exactly what it will use.
    return Value::map({{"limits", amounts}, {"requests", amounts}});
}

Value security_context(const JobSpec& spec, PodRole role) {
    std::vector<std::string> add;
    if (spec.kubernetes.network == NetworkMode::kRdma && role != PodRole::kMpiLauncher) {
        // RDMA pins the memory it registers. A non-root process keeps no capability across
        // exec, so what bounds registration in practice is RLIMIT_MEMLOCK: the node's
        // container runtime must set it unlimited (docs/launcher.md).
        add.push_back("IPC_LOCK");
    }
    return hardened_container_security_context(kUserId, add);
}

Value volume_mounts(const JobSpec& spec, PodRole role) {
    Value mounts = Value::list({
        Value::map({{"name", "spec"}, {"mountPath", kSpecMountDir}, {"readOnly", true}}),
        Value::map({{"name", "dshm"}, {"mountPath", "/dev/shm"}}),
        Value::map({{"name", "tmp"}, {"mountPath", "/tmp"}}),
        Value::map({{"name", "home"}, {"mountPath", kHomeDir}}),
    });
    if (role == PodRole::kMpiLauncher || role == PodRole::kMpiWorker) {
        // sshd keeps its privilege-separation directory and pid file here.
        mounts.push(Value::map({{"name", "run"}, {"mountPath", "/run"}}));
    }
    if (!spec.kubernetes.job_token_secret.empty()) {
        mounts.push(Value::map({{"name", "job-token"}, {"mountPath", kTokenDir},
                                {"readOnly", true}}));
    }
    for (const VolumeMount& volume : spec.kubernetes.volumes) {
        Value mount = Value::map({{"name", volume.name}, {"mountPath", volume.mount_path}});
        if (volume.read_only) mount.set("readOnly", true);
        mounts.push(mount);
    }
    return mounts;
}

Value volumes(const JobSpec& spec, const JobLayout& layout, PodRole role) {
    Value list = Value::list({
        Value::map({{"name", "spec"},
                    {"configMap", Value::map({{"name", layout.config_map}})}}),
        // Shared memory for NCCL/MPI transports; counts against the pod's memory limit.
        Value::map({{"name", "dshm"},
                    {"emptyDir", Value::map({{"medium", "Memory"},
                                             {"sizeLimit", spec.resources.shm_size}})}}),
        // The root filesystem is read-only; Open MPI, NCCL and HDF5 write under /tmp and HOME.
        Value::map({{"name", "tmp"}, {"emptyDir", Value::map()}}),
        Value::map({{"name", "home"}, {"emptyDir", Value::map()}}),
    });
    if (role == PodRole::kMpiLauncher || role == PodRole::kMpiWorker) {
        list.push(Value::map({{"name", "run"}, {"emptyDir", Value::map()}}));
    }
    if (!spec.kubernetes.job_token_secret.empty()) {
        list.push(Value::map({{"name", "job-token"},
                              {"secret", Value::map({{"secretName",
                                                      spec.kubernetes.job_token_secret},
                                                     {"defaultMode", 0440}})}}));
    }
    for (const VolumeMount& volume : spec.kubernetes.volumes) {
        Value source;
        if (!volume.pvc.empty()) {
            Value claim = Value::map({{"claimName", volume.pvc}});
            if (volume.read_only) claim.set("readOnly", true);
            list.push(Value::map({{"name", volume.name}, {"persistentVolumeClaim", claim}}));
        } else if (!volume.config_map.empty()) {
            list.push(Value::map({{"name", volume.name},
                                  {"configMap", Value::map({{"name", volume.config_map}})}}));
        } else {
            list.push(Value::map({{"name", volume.name},
                                  {"secret", Value::map({{"secretName", volume.secret}})}}));
        }
    }
    return list;
}

Value tolerations(const JobSpec& spec, PodRole role) {
    Value list = Value::list();
    if (spec.resources.gpus_per_node > 0 && role != PodRole::kMpiLauncher) {
        // GPU nodes are commonly tainted so that only pods asking for GPUs land there.
        list.push(Value::map(
            {{"key", "nvidia.com/gpu"}, {"operator", "Exists"}, {"effect", "NoSchedule"}}));
    }
    for (const Toleration& toleration : spec.resources.tolerations) {
        Value item = Value::map();
        if (!toleration.key.empty()) item.set("key", toleration.key);
        item.set("operator", toleration.op);
        if (!toleration.value.empty()) item.set("value", toleration.value);
        if (!toleration.effect.empty()) item.set("effect", toleration.effect);
        if (toleration.toleration_seconds >= 0) {
            item.set("tolerationSeconds", toleration.toleration_seconds);
        }
        list.push(item);
    }
    return list;
}

Value anti_affinity(const JobSpec& spec, const std::string& component) {
    return Value::map({{"podAntiAffinity", Value::map({
        {"requiredDuringSchedulingIgnoredDuringExecution", Value::list({Value::map({
            {"labelSelector", Value::map({{"matchLabels", Value::map({
                {"app.kubernetes.io/instance", spec.name},
                {"app.kubernetes.io/component", component},
            })}})},
            {"topologyKey", "kubernetes.io/hostname"},
        })})},
    })}});
}

const char* component_of(PodRole role) {
    switch (role) {
        case PodRole::kTrainer: return "trainer";
        case PodRole::kMpiLauncher: return "launcher";
        case PodRole::kMpiWorker: return "worker";
    }
    return "trainer";
}

std::vector<std::string> container_command(const JobSpec& spec, const JobLayout& layout,
                                           PodRole role) {
    switch (role) {
        case PodRole::kTrainer: return trainer_command(spec, layout);
        case PodRole::kMpiLauncher: return mpirun_command(spec, layout);
        case PodRole::kMpiWorker:
            // mpi-operator's launcher reaches the workers over SSH; the image's mpijob stage
            // configures sshd for the non-root user (docker/Dockerfile.train).
            return {"/usr/sbin/sshd", "-De", "-f", "/etc/ssh/sshd_config.slipway"};
    }
    return {};
}

}  // namespace

Value hardened_container_security_context(int64_t user_id,
                                          const std::vector<std::string>& add_capabilities) {
    Value capabilities = Value::map({{"drop", Value::list({"ALL"})}});
    if (!add_capabilities.empty()) capabilities.set("add", string_list(add_capabilities));
    return Value::map({
        {"allowPrivilegeEscalation", false},
        {"readOnlyRootFilesystem", true},
        {"runAsNonRoot", true},
        {"runAsUser", user_id},
        {"runAsGroup", user_id},
        {"capabilities", capabilities},
        {"seccompProfile", Value::map({{"type", "RuntimeDefault"}})},
    });
}

Value hardened_pod_security_context(int64_t user_id) {
    return Value::map({
        {"runAsNonRoot", true},
        {"runAsUser", user_id},
        {"runAsGroup", user_id},
        {"fsGroup", user_id},
        // Change ownership of a volume only when its root does not match already: a large
        // data or checkpoint PVC is not walked again at every restart.
        {"fsGroupChangePolicy", "OnRootMismatch"},
        {"seccompProfile", Value::map({{"type", "RuntimeDefault"}})},
    });
}

Value image_pull_secrets(const JobSpec& spec) {
    Value secrets = Value::list();
    for (const std::string& secret : spec.kubernetes.image_pull_secrets) {
        secrets.push(Value::map({{"name", secret}}));
    }
    return secrets;
}

Value standard_labels(const JobSpec& spec, const std::string& component) {
    return Value::map({
        {"app.kubernetes.io/name", "slipway"},
        {"app.kubernetes.io/instance", spec.name},
        {"app.kubernetes.io/component", component},
        {"app.kubernetes.io/part-of", "slipway"},
        {"app.kubernetes.io/managed-by", "slipway-launch"},
        {"app.kubernetes.io/version", kVersion},
    });
}

std::vector<std::string> trainer_command(const JobSpec& spec, const JobLayout& layout) {
    // The ranks get the pod's grace period less a margin, so the supervisor still writes the
    // termination message before the kubelet's SIGKILL.
    std::vector<std::string> command = {
        "slipway-launch", "exec", "--nproc", std::to_string(layout.ranks_per_node),
        "--grace-period",
        std::to_string(std::max<int64_t>(5, spec.kubernetes.termination_grace_seconds - 10)),
        "--"};
    for (const std::string& arg : layout.train_args) command.push_back(arg);
    return command;
}

std::vector<std::string> mpirun_command(const JobSpec& spec, const JobLayout& layout) {
    std::vector<std::string> command = {
        "mpirun", "-np", std::to_string(layout.world_size), "--bind-to", "none",
        "--map-by", "slot",
        // mpi-operator writes the hostfile; the ranks' stdout carries their rank.
        "--tag-output",
        "-x", "OMP_NUM_THREADS", "-x", "HOME", "-x", "TMPDIR"};
    if (!spec.kubernetes.job_token_secret.empty()) {
        command.insert(command.end(), {"-x", "SLIPWAY_JOB_TOKEN_FILE"});
    }
    if (layout.gpus_per_node > 0 || spec.kubernetes.network == NetworkMode::kRdma) {
        command.insert(command.end(), {"-x", "NCCL_IB_DISABLE"});
        if (spec.kubernetes.network == NetworkMode::kRdma && !spec.kubernetes.nccl_ib_hca.empty()) {
            command.insert(command.end(), {"-x", "NCCL_IB_HCA"});
        }
        if (!spec.kubernetes.nccl_socket_ifname.empty()) {
            command.insert(command.end(), {"-x", "NCCL_SOCKET_IFNAME"});
        }
    }
    for (const auto& entry : spec.kubernetes.env) {
        command.insert(command.end(), {"-x", entry.first});
    }
    for (const std::string& arg : layout.train_args) command.push_back(arg);
    return command;
}

Value pod_template(const JobSpec& spec, const JobLayout& layout, PodRole role) {
    const std::string component = component_of(role);
    Value labels = standard_labels(spec, component);
    for (const auto& [key, value] : spec.kubernetes.labels) {
        if (!labels.get(key)) labels.set(key, value);  // selectors use slipway's own labels
    }
    Value metadata = Value::map({{"labels", labels}});
    if (!spec.kubernetes.annotations.empty()) {
        Value annotations = Value::map();
        for (const auto& [key, value] : spec.kubernetes.annotations) annotations.set(key, value);
        metadata.set("annotations", annotations);
    }

    Value container = Value::map({
        {"name", role == PodRole::kTrainer ? std::string(kContainerName) : component},
        {"image", spec.image},
        {"imagePullPolicy", spec.kubernetes.image_pull_policy},
        {"command", string_list(container_command(spec, layout, role))},
        // Relative data and checkpoint paths land in the writable home emptyDir, not in
        // the read-only image.
        {"workingDir", kHomeDir},
    });
    if (role != PodRole::kMpiLauncher) {
        container.set("ports", Value::list({Value::map({
            {"name", role == PodRole::kMpiWorker ? "ssh" : "rendezvous"},
            {"containerPort", role == PodRole::kMpiWorker ? 2222 : layout.port},
            {"protocol", "TCP"},
        })}));
    }
    container.set("env", container_env(spec, layout, role));
    container.set("resources", container_resources(spec, layout, role));
    container.set("volumeMounts", volume_mounts(spec, role));
    container.set("securityContext", security_context(spec, role));
    // The supervisor writes who failed and why here; `kubectl describe` shows it.
    container.set("terminationMessagePath", "/dev/termination-log");
    container.set("terminationMessagePolicy", "FallbackToLogsOnError");

    Value pod = Value::map();
    pod.set("restartPolicy", "Never");
    if (role == PodRole::kTrainer && spec.kubernetes.target == RenderTarget::kIndexedJob) {
        pod.set("subdomain", layout.service);
    }
    pod.set("terminationGracePeriodSeconds", spec.kubernetes.termination_grace_seconds);
    pod.set("enableServiceLinks", false);  // no *_SERVICE_HOST variables in the ranks' env
    if (!spec.kubernetes.service_account.empty()) {
        pod.set("serviceAccountName", spec.kubernetes.service_account);
    }
    pod.set("automountServiceAccountToken", false);  // training never calls the API server
    if (!spec.kubernetes.priority_class.empty()) {
        pod.set("priorityClassName", spec.kubernetes.priority_class);
    }
    if (spec.kubernetes.host_network && role != PodRole::kMpiLauncher) {
        pod.set("hostNetwork", true);
        pod.set("dnsPolicy", "ClusterFirstWithHostNet");
    }
    if (!spec.resources.node_selector.empty() && role != PodRole::kMpiLauncher) {
        Value selector = Value::map();
        for (const auto& [key, value] : spec.resources.node_selector) selector.set(key, value);
        pod.set("nodeSelector", selector);
    }
    Value toleration_list = tolerations(spec, role);
    if (!toleration_list.empty()) pod.set("tolerations", toleration_list);
    if (spec.resources.exclusive_nodes && role != PodRole::kMpiLauncher) {
        pod.set("affinity", anti_affinity(spec, component));
    }
    if (!spec.kubernetes.image_pull_secrets.empty()) {
        pod.set("imagePullSecrets", image_pull_secrets(spec));
    }
    pod.set("securityContext", hardened_pod_security_context(kUserId));
    pod.set("containers", Value::list({container}));
    pod.set("volumes", volumes(spec, layout, role));
    return Value::map({{"metadata", metadata}, {"spec", pod}});
}

}  // namespace slipway::render
