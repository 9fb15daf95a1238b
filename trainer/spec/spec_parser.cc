#include "spec/spec_parser.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "spec/enum_names.h"
#include "spec/quantity.h"
#include "spec/serving_schema.h"
#include "spec/spec_reader.h"

namespace slipway {
namespace {

using schema::Field;
using schema::Range;

bool is_dns1123_label(const std::string& text) {
    if (text.empty() || text.size() > 63) return false;
    auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    for (char c : text) {
        if (!alnum(c) && c != '-') return false;
    }
    return alnum(text.front()) && alnum(text.back());
}

// Dot-separated DNS-1123 labels, at most 253 characters (PriorityClass, Secret, PVC names).
bool is_dns1123_subdomain(const std::string& text) {
    if (text.empty() || text.size() > 253) return false;
    size_t start = 0;
    while (true) {
        size_t dot = text.find('.', start);
        if (!is_dns1123_label(text.substr(start, dot - start))) return false;
        if (dot == std::string::npos) return true;
        start = dot + 1;
    }
}

// A label value: at most 63 of [A-Za-z0-9._-], alphanumeric at both ends, or empty.
bool is_label_value(const std::string& text) {
    if (text.empty()) return true;
    if (text.size() > 63) return false;
    auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
    for (char c : text) {
        if (!alnum(c) && c != '-' && c != '_' && c != '.') return false;
    }
    return alnum(text.front()) && alnum(text.back());
}

// A label or annotation key: an optional DNS subdomain prefix and '/', then a name of at most
// 63 characters in the label-value alphabet.
bool is_qualified_name(const std::string& text) {
    const size_t slash = text.find('/');
    std::string name = text;
    if (slash != std::string::npos) {
        if (!is_dns1123_subdomain(text.substr(0, slash))) return false;
        name = text.substr(slash + 1);
    }
    return !name.empty() && is_label_value(name);
}

// An environment variable name a container runtime accepts.
bool is_env_name(const std::string& text) {
    if (text.empty()) return false;
    for (char c : text) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
            return false;
        }
    }
    return !std::isdigit(static_cast<unsigned char>(text.front()));
}

// Five cron fields or a macro (@daily), as CronJob's schedule takes them; the controller
// checks the fields themselves.
bool is_cron_schedule(const std::string& text) {
    if (text.empty()) return true;
    if (text[0] == '@') return text.size() > 1;
    std::istringstream fields(text);
    std::string field;
    int count = 0;
    while (fields >> field) ++count;
    return count == 5;
}

// An http:// or https:// URL with a host (the Pushgateway's).
bool is_http_url(const std::string& text) {
    for (const char* scheme : {"http://", "https://"}) {
        const std::string prefix = scheme;
        if (text.rfind(prefix, 0) == 0) {
            return text.size() > prefix.size() && text[prefix.size()] != '/' &&
                   text.find_first_of(" \t\r\n") == std::string::npos;
        }
    }
    return false;
}

schema::StringRule dns_label_rule() {
    return {is_dns1123_label, "must be a DNS-1123 label",
            "use at most 63 lowercase letters, digits and '-', starting and ending with a "
            "letter or digit"};
}

schema::StringRule dns_subdomain_rule() {
    return {[](const std::string& s) { return s.empty() || is_dns1123_subdomain(s); },
            "must be a DNS-1123 subdomain",
            "use lowercase letters, digits, '-' and '.', at most 253 characters"};
}

schema::StringRule quantity_rule() {
    return {[](const std::string& s) { return parse_quantity(s).value_or(0) > 0; },
            "must be a positive Kubernetes quantity", "e.g. 4, 500m, 16Gi",
            [](const std::string& s) {
                return parse_quantity(s) ? std::string("e.g. 4, 500m, 16Gi") : quantity_hint(s);
            }};
}

// The keys of one toleration, spelled as in a pod spec.
std::vector<Field> toleration_schema(Toleration& toleration) {
    return {
        schema::string_field("key", &toleration.key).describe("the taint's key"),
        schema::choice_field("operator", {"Equal", "Exists"},
                             [&toleration](size_t i) {
                                 toleration.op = i == 0 ? "Equal" : "Exists";
                             })
            .with_default("Equal")
            .describe("Equal matches `value`; Exists matches any value"),
        schema::string_field("value", &toleration.value).describe("with Equal"),
        schema::choice_field("effect", {"NoSchedule", "PreferNoSchedule", "NoExecute"},
                             [&toleration](size_t i) {
                                 const char* names[] = {"NoSchedule", "PreferNoSchedule",
                                                        "NoExecute"};
                                 toleration.effect = names[i];
                             })
            .with_default("(all effects)"),
        schema::int64_field("tolerationSeconds", &toleration.toleration_seconds,
                            Range::at_least(0))
            .with_default("(unset)")
            .describe("with NoExecute: how long the pod stays after the taint appears"),
    };
}

Status check_toleration(const Toleration& toleration, const schema::Site& site) {
    if (toleration.op == "Equal" && toleration.key.empty()) {
        return spec_error(site.where, site.path + " has operator Equal but no key",
                          "set key (and value), or operator: Exists to tolerate every taint");
    }
    if (toleration.op == "Exists" && !toleration.value.empty()) {
        return spec_error(site.where, site.path + " has operator Exists and a value",
                          "Exists matches any value: remove value, or use operator: Equal");
    }
    if (toleration.toleration_seconds >= 0 && toleration.effect != "NoExecute") {
        return spec_error(site.where, site.path + ".tolerationSeconds needs effect NoExecute");
    }
    return Status::success();
}

std::vector<Field> volume_schema(VolumeMount& volume) {
    return {
        schema::required(schema::string_field("name", &volume.name, dns_label_rule()),
                         "name the volume (a DNS-1123 label)")
            .describe("volume name in the pod"),
        schema::required(
            schema::string_field("mountPath", &volume.mount_path,
                                 {[](const std::string& s) { return !s.empty() && s[0] == '/'; },
                                  "must be an absolute path", "e.g. /data"}),
            "set mountPath, e.g. /data")
            .describe("where it appears in the container"),
        schema::string_field("pvc", &volume.pvc, dns_subdomain_rule())
            .describe("source: a PersistentVolumeClaim"),
        schema::string_field("configMap", &volume.config_map, dns_subdomain_rule())
            .describe("source: a ConfigMap"),
        schema::string_field("secret", &volume.secret, dns_subdomain_rule())
            .describe("source: a Secret"),
        schema::bool_field("readOnly", &volume.read_only),
    };
}

Status check_volume(const VolumeMount& volume, const schema::Site& site) {
    const int sources = !volume.pvc.empty() + !volume.config_map.empty() + !volume.secret.empty();
    if (sources != 1) {
        return spec_error(site.where,
                          site.path + " must name exactly one source (pvc, configMap or secret), "
                                      "got " + std::to_string(sources),
                          "e.g. pvc: training-data");
    }
    for (const char* reserved : {"spec", "dshm", "tmp", "home", "run", "job-token"}) {
        if (volume.name == reserved) {
            return spec_error(site.where,
                              site.path + ".name '" + volume.name +
                                  "' is a volume slipway adds itself",
                              "pick another name, e.g. data or checkpoints");
        }
    }
    for (const char* reserved : {"/dev/shm", "/tmp", "/etc/slipway", "/home/slipway", "/run",
                                 "/var/run/secrets/slipway"}) {
        if (volume.mount_path == reserved) {
            return spec_error(site.where,
                              site.path + ".mountPath " + volume.mount_path +
                                  " is mounted by slipway itself",
                              "pick another path, e.g. /data");
        }
    }
    return Status::success();
}

// The job spec's schema, bound to the members of `spec` it fills. Keys, defaults and ranges
// follow job_spec.h; the order here is the order "valid keys" hints and the generated
// reference list them in.
Field job_spec_schema(JobSpec& spec) {
    ModelSpec& model = spec.model;
    TrainSpec& train = spec.train;
    OptimizerSpec& opt = train.optimizer;
    ScheduleSpec& sched = train.schedule;
    ResourcesSpec& res = spec.resources;
    KubernetesSpec& k8s = spec.kubernetes;
    const Range unit = Range::closed_open(0, 1);
    return schema::map_field("", {
        schema::string_field("name", &spec.name, dns_label_rule())
            .describe("DNS-1123 label; names the job, its pods, Service and ConfigMap"),
        schema::string_field("image", &spec.image)
            .describe("container image of the training pods (docker/Dockerfile.train builds "
                      "it); slipway-launch render and apply need it"),
        schema::map_field("data", {
            schema::required(
                schema::string_field("path", &spec.data.path,
                                     {[](const std::string& s) { return !s.empty(); },
                                      "must not be empty", ""}),
                "set data.path to the HDF5 file to train on")
                .describe("HDF5 file in the DESIGN.md layout (slipway-data writes it); relative "
                          "to the working directory, or a path on a mounted volume in a pod"),
            schema::bool_field("standardize", &spec.data.standardize)
                .describe("apply the file's feature_mean/feature_std (std below 1e-6 counts "
                          "as 1); the exported model applies it too"),
        }),
        schema::map_field("model", {
            schema::int_list_field("hidden", &model.hidden, Range::at_least(1))
                .describe("hidden layer widths"),
            schema::enum_field<Activation>("activation", &model.activation, kActivationNames)
                .describe("gelu is the tanh approximation everywhere"),
            schema::double_field("dropout", &model.dropout, unit)
                .describe("inverted dropout after each hidden activation; masks keyed by "
                          "(seed, epoch, sample, layer, unit)"),
            schema::enum_field<LossKind>("loss", &model.loss, kLossNames)
                .describe("auto: cross-entropy for int labels, MSE for float targets"),
            schema::enum_field<InitScheme>("init", &model.init, kInitNames)
                .describe("normal init; auto: He for relu/gelu, Xavier for tanh; biases zero"),
        }),
        schema::map_field("train", {
            schema::int_field("epochs", &train.epochs, Range::at_least(1)),
            schema::int64_field("global_batch", &train.global_batch, Range::at_least(1))
                .describe("samples per optimizer step over all ranks; the last batch of an "
                          "epoch may be short and is kept"),
            schema::int_field("accumulate", &train.accumulate, Range::at_least(1))
                .describe("micro-batches per step (gradient accumulation); <= global_batch"),
            schema::uint64_field("seed", &train.seed)
                .describe("init, permutation and dropout"),
            schema::int64_field("max_steps", &train.max_steps, Range::at_least(0))
                .describe("stop after this many optimizer steps (0: no limit)"),
            schema::int64_field("log_every", &train.log_every, Range::at_least(1))
                .describe("steps between progress lines and `train` metrics records"),
            schema::double_field("clip_grad_norm", &train.clip_grad_norm, Range::at_least(0))
                .describe("clip the global gradient norm (0: off)"),
            schema::double_field("collective_timeout", &train.collective_timeout,
                                 Range::above(0))
                .describe("seconds; bound on every collective; a miss is exit 10"),
            schema::int_field("threads_per_rank", &train.threads_per_rank, Range::at_least(0))
                .describe("BLAS threads per rank (0: min(CPUs this rank may use, CPUs / ranks "
                          "on the node))"),
            schema::double_field("rendezvous_timeout", &train.rendezvous_timeout,
                                 Range::above(0))
                .describe("seconds to join the TCP rendezvous (gloo); env "
                          "SLIPWAY_RENDEZVOUS_TIMEOUT wins"),
            schema::string_field("job_token", &train.job_token)
                .with_default("\"\" (the job's name)")
                .describe("ranks with another token are refused; env SLIPWAY_JOB_TOKEN, or "
                          "the file SLIPWAY_JOB_TOKEN_FILE names, wins (kubernetes."
                          "jobTokenSecret mounts one from a Secret)"),
            schema::map_field("optimizer", {
                schema::enum_field<OptimizerKind>("name", &opt.kind, kOptimizerNames)
                    .describe("PyTorch semantics"),
                schema::double_field("lr", &opt.lr, Range::above(0))
                    .describe("base learning rate"),
                schema::double_field("momentum", &opt.momentum, unit).describe("SGD"),
                schema::bool_field("nesterov", &opt.nesterov)
                    .describe("SGD; needs momentum > 0"),
                schema::double_field("weight_decay", &opt.weight_decay, Range::at_least(0))
                    .describe("SGD: L2 added to the gradient; AdamW: decoupled"),
                schema::double_field("beta1", &opt.beta1, unit).describe("AdamW"),
                schema::double_field("beta2", &opt.beta2, unit).describe("AdamW"),
                schema::double_field("eps", &opt.eps, Range::above(0)).describe("AdamW"),
            }),
            schema::map_field("schedule", {
                schema::enum_field<ScheduleKind>("name", &sched.kind, kScheduleNames)
                    .describe("learning-rate schedule"),
                schema::int64_field("warmup_steps", &sched.warmup_steps, Range::at_least(0))
                    .describe("linear warmup (any schedule): lr x (step+1)/warmup"),
                schema::int64_field("step_size", &sched.step_size, Range::at_least(1))
                    .describe("step: steps between decays by gamma"),
                schema::double_field("gamma", &sched.gamma, Range::open_closed(0, 1))
                    .describe("step: decay factor"),
                schema::double_field("min_lr", &sched.min_lr, Range::at_least(0))
                    .describe("cosine: the floor; <= optimizer.lr"),
            }),
        }),
        schema::map_field("checkpoint", {
            schema::string_field("dir", &spec.checkpoint.dir)
                .with_default("checkpoints/<name>")
                .describe("where checkpoints go; see docs/checkpoints.md"),
            schema::int64_field("every_steps", &spec.checkpoint.every_steps, Range::at_least(0))
                .describe("steps between checkpoints (0: only at the end and on SIGTERM)"),
            schema::int_field("keep", &spec.checkpoint.keep, Range::at_least(1))
                .describe("newest checkpoints kept"),
            schema::bool_field("resume", &spec.checkpoint.resume)
                .describe("continue from the newest valid checkpoint in checkpoint.dir"),
        }),
        schema::map_field("export", {
            schema::string_field("repository", &spec.model_export.repository)
                .describe("model repository (Triton layout) to export to at the end of "
                          "training (\"\": no export); see docs/export.md"),
            schema::string_field("name", &spec.model_export.name, {
                    [](const std::string& s) { return s.empty() || is_dns1123_label(s); },
                    "must be a DNS-1123 label", "lowercase letters, digits and '-'"})
                .with_default("\"\" (the job's name)")
                .describe("model name in the repository"),
            schema::int_field("max_batch_size", &spec.model_export.max_batch_size,
                              Range::at_least(1))
                .describe("Triton's max_batch_size in config.pbtxt"),
        }),
        schema::map_field("tracking", {
            schema::string_field("tensorboard_dir", &spec.tracking.tensorboard_dir)
                .describe("rank 0 writes TensorBoard event files here (created if missing; "
                          "\"\": off); see docs/tracking.md"),
            schema::string_field("mlflow_experiment", &spec.tracking.mlflow_experiment)
                .with_default("\"\" (the job's name)")
                .describe("MLflow experiment of the run; MLflow is on when env "
                          "MLFLOW_TRACKING_URI is an http(s) URI"),
            schema::string_field("pushgateway_url", &spec.tracking.pushgateway_url, {
                    [](const std::string& s) { return s.empty() || is_http_url(s); },
                    "must be an http:// or https:// URL", "e.g. http://pushgateway:9091", {}})
                .describe("Prometheus Pushgateway that gets slipway_train_* metrics (\"\": "
                          "off); env SLIPWAY_PUSHGATEWAY_URL wins"),
            schema::double_field("push_interval", &spec.tracking.push_interval,
                                 Range::at_least(0))
                .describe("least seconds between Pushgateway pushes at the log cadence; the "
                          "end of the run always pushes"),
        }),
        schema::map_field("resources", {
            schema::int_field("nodes", &res.nodes, Range::at_least(1))
                .describe("pods, one per node (Indexed Job completions = parallelism)"),
            schema::int_field("gpusPerNode", &res.gpus_per_node, Range::at_least(0))
                .describe("GPUs per pod (nvidia.com/gpu); one rank per GPU (0: CPU job)"),
            schema::int_field("processesPerNode", &res.processes_per_node, Range::at_least(1))
                .describe("ranks per pod when gpusPerNode is 0"),
            schema::string_field("cpu", &res.cpu, quantity_rule())
                .describe("CPU per pod, requests = limits (quantity)"),
            schema::string_field("memory", &res.memory, quantity_rule())
                .describe("memory per pod, requests = limits (quantity)"),
            schema::string_field("shmSize", &res.shm_size, quantity_rule())
                .describe("/dev/shm size (a memory emptyDir; NCCL and MPI use it)"),
            schema::string_map_field("nodeSelector", &res.node_selector,
                                     {is_qualified_name, "has a key that is not a valid label key",
                                      "e.g. nvidia.com/gpu.product"},
                                     {is_label_value, "has a value that is not a valid label "
                                                      "value", "at most 63 of [A-Za-z0-9._-]"})
                .describe("node labels the pods require, e.g. nvidia.com/gpu.product: "
                          "NVIDIA-H100-80GB-HBM3"),
            schema::record_list_field<Toleration>("tolerations", &res.tolerations,
                                                  toleration_schema, check_toleration)
                .describe("added to the nvidia.com/gpu:NoSchedule toleration GPU jobs get"),
            schema::bool_field("exclusiveNodes", &res.exclusive_nodes)
                .describe("pod anti-affinity: two pods of the job never share a node"),
        }),
        schema::map_field("kubernetes", {
            schema::string_field("namespace", &k8s.namespace_name, dns_label_rule()),
            schema::enum_field<RenderTarget>("target", &k8s.target, kRenderTargetNames)
                .describe("indexed-job: plain Kubernetes; jobset: JobSet v1alpha2; mpijob: "
                          "MPIJob v2beta1 (mpi-operator)"),
            schema::string_field("queue", &k8s.queue, {
                    [](const std::string& s) { return is_label_value(s); },
                    "must be a valid label value", "at most 63 of [A-Za-z0-9._-]"})
                .describe("Kueue LocalQueue: adds kueue.x-k8s.io/queue-name and suspend: true"),
            schema::string_field("priorityClass", &k8s.priority_class, dns_subdomain_rule())
                .describe("PriorityClass of the pods (\"\": the cluster's default)"),
            schema::string_field("serviceAccount", &k8s.service_account, dns_subdomain_rule())
                .describe("ServiceAccount of the pods (\"\": the namespace's default)"),
            schema::int_field("port", &k8s.port, Range{1024, 65535})
                .describe("MASTER_PORT: the rendezvous port on rank 0's pod"),
            schema::int_field("backoffLimit", &k8s.backoff_limit, Range::at_least(0))
                .describe("failures counted against the job before it fails (exit codes 10 "
                          "and 143 and disruptions are not counted)"),
            schema::int64_field("activeDeadlineSeconds", &k8s.active_deadline_seconds,
                                Range::at_least(0))
                .describe("wall-clock bound on the whole job, retries included (0: none)"),
            schema::int64_field("ttlSecondsAfterFinished", &k8s.ttl_seconds_after_finished,
                                Range::at_least(0))
                .describe("finished jobs are deleted after this long"),
            schema::int64_field("terminationGracePeriodSeconds",
                                &k8s.termination_grace_seconds, Range::at_least(10))
                .describe("SIGTERM to SIGKILL; long enough for a checkpoint"),
            schema::string_field("schedule", &k8s.schedule,
                                 {is_cron_schedule, "must be a cron schedule (5 fields or @daily)",
                                  "e.g. \"0 3 * * *\" for 03:00 every day"})
                .describe("periodic retraining: wraps the Job in a CronJob (concurrencyPolicy "
                          "Forbid); indexed-job only"),
            schema::enum_field<NetworkMode>("network", &k8s.network, kNetworkNames)
                .describe("rdma: IPC_LOCK, the RDMA device resource and NCCL_IB_* env for "
                          "InfiniBand/RoCE"),
            schema::bool_field("hostNetwork", &k8s.host_network)
                .describe("with network: rdma only; the pods use the node's network"),
            schema::string_field("rdmaResource", &k8s.rdma_resource)
                .describe("with network: rdma; the device plugin's resource, one per pod"),
            schema::string_field("ncclSocketIfname", &k8s.nccl_socket_ifname)
                .describe("with network: rdma; NCCL_SOCKET_IFNAME (\"\": NCCL picks)"),
            schema::string_field("ncclIbHca", &k8s.nccl_ib_hca)
                .describe("with network: rdma; NCCL_IB_HCA (\"\": NCCL picks)"),
            schema::choice_field("imagePullPolicy", {"IfNotPresent", "Always", "Never"},
                                 [&k8s](size_t i) {
                                     const char* names[] = {"IfNotPresent", "Always", "Never"};
                                     k8s.image_pull_policy = names[i];
                                 })
                .with_default("IfNotPresent"),
            schema::string_list_field("imagePullSecrets", &k8s.image_pull_secrets,
                                      dns_subdomain_rule())
                .describe("Secrets for a private registry"),
            schema::string_field("jobTokenSecret", &k8s.job_token_secret, dns_subdomain_rule())
                .describe("Secret whose key `token` is the job token; mounted as a file "
                          "(SLIPWAY_JOB_TOKEN_FILE), never put in the environment"),
            schema::record_list_field<VolumeMount>("volumes", &k8s.volumes, volume_schema,
                                                   check_volume)
                .describe("data and checkpoint volumes mounted into every pod"),
            schema::string_map_field("env", &k8s.env,
                                     {is_env_name, "has a name that is not a valid variable name",
                                      "letters, digits and '_'"})
                .describe("extra container env (NCCL_DEBUG: INFO, ...)"),
            schema::string_map_field("labels", &k8s.labels,
                                     {is_qualified_name, "has a key that is not a valid label key",
                                      ""},
                                     {is_label_value, "has a value that is not a valid label "
                                                      "value", "at most 63 of [A-Za-z0-9._-]"})
                .describe("extra labels on the pods"),
            schema::string_map_field("annotations", &k8s.annotations,
                                     {is_qualified_name, "has a key that is not a valid "
                                                         "annotation key", ""})
                .describe("annotations on the pods"),
        }),
        serving_schema(spec.serving, {dns_label_rule(), dns_subdomain_rule(), quantity_rule()}),
    });
}

// Constraints between keys, checked once every key has read cleanly.
Status check_cross_field(const JobSpec& spec, const schema::Reader& reader,
                         const std::string& source_name) {
    const TrainSpec& train = spec.train;
    if (train.accumulate > train.global_batch) {
        std::string where = reader.where_of("train.accumulate")
                                .value_or(reader.where_of("train.global_batch")
                                              .value_or(source_name));
        return spec_error(where,
                          "train.accumulate must be <= train.global_batch (" +
                              std::to_string(train.global_batch) + "), got " +
                              std::to_string(train.accumulate),
                          "each step splits train.global_batch samples into train.accumulate "
                          "micro-batches");
    }
    const OptimizerSpec& opt = train.optimizer;
    if (opt.kind == OptimizerKind::kSgd && opt.nesterov && opt.momentum == 0) {
        // PyTorch refuses this too: Nesterov without momentum is plain SGD in disguise.
        std::string where = reader.where_of("train.optimizer.nesterov").value_or(source_name);
        return spec_error(where, "train.optimizer.nesterov needs train.optimizer.momentum > 0",
                          "set a momentum (e.g. 0.9) or nesterov: false");
    }
    const ScheduleSpec& schedule = train.schedule;
    if (schedule.kind == ScheduleKind::kCosine && schedule.min_lr > opt.lr) {
        std::string where = reader.where_of("train.schedule.min_lr").value_or(source_name);
        return spec_error(where,
                          "train.schedule.min_lr (" + std::to_string(schedule.min_lr) +
                              ") is above train.optimizer.lr (" + std::to_string(opt.lr) + ")",
                          "the cosine schedule decays from lr down to min_lr");
    }
    const ResourcesSpec& res = spec.resources;
    if (res.gpus_per_node > 0 && reader.where_of("resources.processesPerNode") &&
        res.processes_per_node != res.gpus_per_node) {
        return spec_error(*reader.where_of("resources.processesPerNode"),
                          "resources.processesPerNode (" +
                              std::to_string(res.processes_per_node) +
                              ") contradicts resources.gpusPerNode (" +
                              std::to_string(res.gpus_per_node) + ")",
                          "a GPU job runs one rank per GPU: remove processesPerNode");
    }
    const KubernetesSpec& k8s = spec.kubernetes;
    std::set<std::string> volume_names, mount_paths;
    for (size_t i = 0; i < k8s.volumes.size(); ++i) {
        const VolumeMount& volume = k8s.volumes[i];
        const std::string where =
            reader.where_of("kubernetes.volumes").value_or(source_name);
        if (!volume_names.insert(volume.name).second) {
            return spec_error(where, "kubernetes.volumes[" + std::to_string(i) + "].name '" +
                                         volume.name + "' is used twice",
                              "give every volume its own name");
        }
        if (!mount_paths.insert(volume.mount_path).second) {
            return spec_error(where, "kubernetes.volumes[" + std::to_string(i) +
                                         "].mountPath '" + volume.mount_path + "' is used twice",
                              "mount every volume at its own path");
        }
    }
    // The rendezvous contract and the pod's layout: set by slipway, never by hand.
    for (const char* reserved : {"WORLD_SIZE", "LOCAL_WORLD_SIZE", "RANK", "LOCAL_RANK",
                                 "MASTER_ADDR", "MASTER_PORT", "JOB_NAME", "HOME", "TMPDIR",
                                 "OMP_NUM_THREADS", "SLIPWAY_JOB_TOKEN_FILE"}) {
        if (k8s.env.count(reserved)) {
            return spec_error(reader.where_of("kubernetes.env").value_or(source_name),
                              std::string("kubernetes.env sets ") + reserved +
                                  ", which slipway sets for every pod",
                              "remove it; resources and kubernetes.port decide it");
        }
    }
    if (k8s.host_network && k8s.job_token_secret.empty()) {
        // On the node's network no NetworkPolicy applies: only the token keeps strangers out.
        return spec_error(reader.where_of("kubernetes.hostNetwork").value_or(source_name),
                          "kubernetes.hostNetwork needs kubernetes.jobTokenSecret",
                          "on the node's network any host can reach the rendezvous; a job "
                          "token Secret refuses strangers");
    }
    if (k8s.host_network && k8s.network != NetworkMode::kRdma) {
        return spec_error(reader.where_of("kubernetes.hostNetwork").value_or(source_name),
                          "kubernetes.hostNetwork needs kubernetes.network: rdma",
                          "host networking is an exception for InfiniBand/RoCE jobs only");
    }
    if (!k8s.schedule.empty() && k8s.target != RenderTarget::kIndexedJob) {
        return spec_error(reader.where_of("kubernetes.schedule").value_or(source_name),
                          std::string("kubernetes.schedule cannot be expressed by target ") +
                              to_string(k8s.target) + ": a CronJob runs only plain Jobs",
                          "use kubernetes.target: indexed-job, or drop the schedule");
    }
    // Pod hostnames are <name>-<index> (Indexed Job) and CronJob names get an 11-character
    // timestamp suffix; both must stay DNS labels.
    const size_t name_limit = k8s.schedule.empty() ? 63 - 1 - std::to_string(res.nodes).size()
                                                   : 52;
    if (spec.name.size() > name_limit) {
        return spec_error(reader.where_of("name").value_or(source_name),
                          "name '" + spec.name + "' is " + std::to_string(spec.name.size()) +
                              " characters; at most " + std::to_string(name_limit) +
                              " fit this job's pod hostnames",
                          k8s.schedule.empty() ? "shorten the name"
                                               : "a CronJob's name may be at most 52 "
                                                 "characters: shorten the name");
    }
    return Status::success();
}

void add_reference_rows(const Field& field, const std::string& parent, std::string& out) {
    const std::string path = schema::join_path(parent, field.key);
    if (field.is_map()) {
        for (const Field& child : field.children) add_reference_rows(child, path, out);
        return;
    }
    auto cell = [](std::string text) {
        std::string escaped;
        for (char c : text) {
            if (c == '|') escaped += "\\";
            escaped += c;
        }
        return escaped;
    };
    const std::string default_cell =
        field.required ? "**required**" : "`" + cell(field.default_text) + "`";
    out += "| `" + path + "` | " + cell(field.type_text) + " | " + default_cell + " | " +
           cell(field.doc) + " |\n";
    for (const Field& item : field.item_fields) add_reference_rows(item, path + "[]", out);
}

}  // namespace

std::string spec_reference_markdown() {
    JobSpec defaults;
    const Field root = job_spec_schema(defaults);
    std::string out =
        "| key | type | default | meaning |\n"
        "|---|---|---|---|\n";
    add_reference_rows(root, "", out);
    return out;
}

Result<SpecOverride> parse_override(const std::string& text) {
    const size_t eq = text.find('=');
    if (eq == std::string::npos) {
        return spec_error("--set " + text, "expected key.path=value, got '" + text + "'",
                          "e.g. --set train.optimizer.lr=0.1");
    }
    std::string key = text.substr(0, eq);
    const size_t first = key.find_first_not_of(" \t");
    const size_t last = key.find_last_not_of(" \t");
    key = first == std::string::npos ? "" : key.substr(first, last - first + 1);
    if (key.empty()) {
        return spec_error("--set " + text, "empty key in '" + text + "'",
                          "e.g. --set train.optimizer.lr=0.1");
    }
    return SpecOverride{key, text.substr(eq + 1)};
}

Result<JobSpec> parse_job_spec(const std::string& yaml_text, const std::string& source_name,
                               const std::vector<SpecOverride>& overrides) {
    std::vector<YAML::Node> documents;
    try {
        documents = YAML::LoadAll(yaml_text);
    } catch (const YAML::Exception& e) {
        std::string where = source_name;
        if (!e.mark.is_null()) {
            where += ":" + std::to_string(e.mark.line + 1) + ":" +
                     std::to_string(e.mark.column + 1);
        }
        return spec_error(where, "invalid YAML: " + e.msg);
    }
    if (documents.empty() || documents[0].IsNull()) {
        return spec_error(source_name, "the spec is empty",
                          "a job spec is a YAML map that sets at least data.path");
    }
    if (documents.size() > 1) {
        return spec_error(source_name + ":" + std::to_string(documents[1].Mark().line + 1),
                          "the spec holds " + std::to_string(documents.size()) +
                              " YAML documents; expected one");
    }
    YAML::Node root = documents[0];
    if (!root.IsMap()) {
        return spec_error(source_name + ":" + std::to_string(root.Mark().line + 1),
                          "the spec must be a map of keys, got " + schema::describe(root));
    }

    JobSpec spec;
    const Field job_schema = job_spec_schema(spec);
    schema::Locator locator(source_name);
    for (const SpecOverride& override : overrides) {
        SLIPWAY_RETURN_IF_ERROR(
            schema::apply_override(root, job_schema, override.key_path, override.value, locator));
    }
    schema::Reader reader(locator);
    SLIPWAY_RETURN_IF_ERROR(reader.read(job_schema, root));
    SLIPWAY_RETURN_IF_ERROR(check_cross_field(spec, reader, source_name));
    SLIPWAY_RETURN_IF_ERROR(check_serving(spec, reader, source_name));
    spec.source_text = yaml_text;
    spec.effective_text = yaml_text;
    if (!overrides.empty()) {
        std::string header = "# " + source_name + " with";
        for (const SpecOverride& override : overrides) {
            std::string value = override.value;
            std::replace(value.begin(), value.end(), '\n', ' ');  // the header is one comment
            header += " --set " + override.key_path + "=" + value;
        }
        YAML::Emitter emitter;
        emitter << root;
        spec.effective_text = header + "\n" + emitter.c_str() + "\n";
    }
    return spec;
}

Result<JobSpec> load_job_spec(const std::string& path,
                              const std::vector<SpecOverride>& overrides) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        return spec_error(path, "cannot read the job spec '" + path + "': it is a directory");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return spec_error(path, "cannot read the job spec '" + path + "': " +
                                    std::strerror(errno),
                          "check the path given on the command line");
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        return spec_error(path, "cannot read the job spec '" + path + "': " +
                                    std::strerror(errno));
    }
    auto spec = parse_job_spec(text.str(), path, overrides);
    SLIPWAY_RETURN_IF_ERROR(spec);
    spec->source_path = path;
    return spec;
}

}  // namespace slipway
