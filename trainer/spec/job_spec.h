#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "spec/serving_spec.h"

namespace slipway {

// The job spec: one YAML file that both slipway-train and slipway-launch read.
// docs/spec.md is the reference; every field below has its YAML key in the comment.
// Defaults here are the defaults a spec gets when it leaves a key out.

struct DataSpec {
    std::string path;          // data.path (required): HDF5 file in the DESIGN.md layout
    bool standardize = false;  // data.standardize: apply the file's feature_mean/feature_std
};

enum class Activation { kRelu, kGelu, kTanh };
enum class LossKind { kAuto, kCrossEntropy, kMse };   // auto: int labels -> CE, float -> MSE
enum class InitScheme { kAuto, kHe, kXavier };        // auto: He for relu/gelu, Xavier for tanh

struct ModelSpec {
    std::vector<int> hidden = {256, 256};    // model.hidden: widths of the hidden layers
    Activation activation = Activation::kRelu;  // model.activation: relu | gelu | tanh
    double dropout = 0.0;                    // model.dropout: in [0, 1), after each hidden act.
    LossKind loss = LossKind::kAuto;         // model.loss: auto | cross_entropy | mse
    InitScheme init = InitScheme::kAuto;     // model.init: auto | he | xavier
};

enum class OptimizerKind { kSgd, kAdamW };

struct OptimizerSpec {
    OptimizerKind kind = OptimizerKind::kSgd;  // train.optimizer.name: sgd | adamw
    double lr = 0.05;                          // train.optimizer.lr (> 0)
    double momentum = 0.9;                     // train.optimizer.momentum (sgd) in [0, 1)
    bool nesterov = false;                     // train.optimizer.nesterov (sgd)
    double weight_decay = 0.0;                 // train.optimizer.weight_decay (>= 0)
    double beta1 = 0.9;                        // train.optimizer.beta1 (adamw) in [0, 1)
    double beta2 = 0.999;                      // train.optimizer.beta2 (adamw) in [0, 1)
    double eps = 1e-8;                         // train.optimizer.eps (adamw) > 0
};

enum class ScheduleKind { kConstant, kStep, kCosine };

struct ScheduleSpec {
    ScheduleKind kind = ScheduleKind::kConstant;  // train.schedule.name: constant|step|cosine
    int64_t warmup_steps = 0;  // train.schedule.warmup_steps: linear ramp from 0, any schedule
    int64_t step_size = 1000;  // train.schedule.step_size (step): steps between decays
    double gamma = 0.1;        // train.schedule.gamma (step): decay factor in (0, 1]
    double min_lr = 0.0;       // train.schedule.min_lr (cosine): floor of the decay
};

struct TrainSpec {
    int epochs = 10;                 // train.epochs (>= 1)
    int64_t global_batch = 256;      // train.global_batch: samples per optimizer step, all ranks
    int accumulate = 1;              // train.accumulate: micro-batches per step
    uint64_t seed = 42;              // train.seed: init, permutation and dropout
    int64_t max_steps = 0;           // train.max_steps: stop after this many steps (0: no limit)
    int64_t log_every = 50;          // train.log_every: steps between progress/metrics lines
    double clip_grad_norm = 0.0;     // train.clip_grad_norm: global-norm clip (0: off)
    double collective_timeout = 300; // train.collective_timeout: seconds per collective
    int threads_per_rank = 0;        // train.threads_per_rank: BLAS threads (0: cores / ranks)
    double rendezvous_timeout = 600; // train.rendezvous_timeout: seconds to join (gloo);
                                     // env SLIPWAY_RENDEZVOUS_TIMEOUT wins
    std::string job_token;           // train.job_token: ranks of other jobs are refused
                                     // ("": the job name); env SLIPWAY_JOB_TOKEN wins
    OptimizerSpec optimizer;         // train.optimizer
    ScheduleSpec schedule;           // train.schedule
};

struct CheckpointSpec {
    std::string dir;            // checkpoint.dir: where checkpoints go ("": checkpoints/<name>)
    int64_t every_steps = 500;  // checkpoint.every_steps: between checkpoints (0: only at the
                                // end and on SIGTERM)
    int keep = 3;               // checkpoint.keep: newest checkpoints kept (>= 1)
    bool resume = true;         // checkpoint.resume: continue from the newest valid one
};

// A pod toleration, as Kubernetes spells it (resources.tolerations[]).
struct Toleration {
    std::string key;                  // key: the taint's key ("" only with operator Exists)
    std::string op = "Equal";         // operator: Equal | Exists
    std::string value;                // value: with Equal
    std::string effect;               // effect: "" (all) | NoSchedule | PreferNoSchedule |
                                      // NoExecute
    int64_t toleration_seconds = -1;  // tolerationSeconds: with NoExecute (-1: unset)
};

struct ResourcesSpec {
    int nodes = 1;                 // resources.nodes: pods (one per node)
    int gpus_per_node = 0;         // resources.gpusPerNode: GPUs per pod = ranks per pod
    int processes_per_node = 1;    // resources.processesPerNode: ranks per pod without GPUs
    std::string cpu = "4";         // resources.cpu: per pod, requests = limits
    std::string memory = "16Gi";   // resources.memory: per pod, requests = limits
    std::string shm_size = "2Gi";  // resources.shmSize: /dev/shm (a memory emptyDir)
    std::map<std::string, std::string> node_selector;  // resources.nodeSelector
    std::vector<Toleration> tolerations;                // resources.tolerations
    bool exclusive_nodes = true;   // resources.exclusiveNodes: never two pods on one node

    // Ranks in each pod: one per GPU, or processesPerNode on CPUs.
    int ranks_per_node() const { return gpus_per_node > 0 ? gpus_per_node : processes_per_node; }
    int world_size() const { return nodes * ranks_per_node(); }
};

// A volume mounted into every pod (kubernetes.volumes[]); exactly one source is set.
struct VolumeMount {
    std::string name;        // name: DNS-1123 label
    std::string mount_path;  // mountPath: absolute path in the container
    std::string pvc;         // pvc: PersistentVolumeClaim name
    std::string config_map;  // configMap: ConfigMap name
    std::string secret;      // secret: Secret name
    bool read_only = false;  // readOnly
};

enum class RenderTarget { kIndexedJob, kJobSet, kMpiJob };
enum class NetworkMode { kDefault, kRdma };

struct KubernetesSpec {
    std::string namespace_name = "default";  // kubernetes.namespace
    RenderTarget target = RenderTarget::kIndexedJob;  // kubernetes.target
    std::string queue;                 // kubernetes.queue: Kueue LocalQueue ("": none)
    std::string priority_class;        // kubernetes.priorityClass ("": cluster default)
    std::string service_account;       // kubernetes.serviceAccount ("": namespace default)
    int port = 29500;                  // kubernetes.port: MASTER_PORT of the rendezvous
    int backoff_limit = 3;             // kubernetes.backoffLimit: counted failures allowed
    int64_t active_deadline_seconds = 604800;  // kubernetes.activeDeadlineSeconds (0: none)
    int64_t ttl_seconds_after_finished = 86400;  // kubernetes.ttlSecondsAfterFinished
    int64_t termination_grace_seconds = 120;  // kubernetes.terminationGracePeriodSeconds
    std::string schedule;              // kubernetes.schedule: cron; wraps the Job in a CronJob
    NetworkMode network = NetworkMode::kDefault;  // kubernetes.network: default | rdma
    bool host_network = false;         // kubernetes.hostNetwork (only with network: rdma)
    std::string rdma_resource = "rdma/hca_shared_devices_a";  // kubernetes.rdmaResource
    std::string nccl_socket_ifname;    // kubernetes.ncclSocketIfname (rdma)
    std::string nccl_ib_hca;           // kubernetes.ncclIbHca (rdma)
    std::string image_pull_policy = "IfNotPresent";  // kubernetes.imagePullPolicy
    std::vector<std::string> image_pull_secrets;     // kubernetes.imagePullSecrets
    std::string job_token_secret;      // kubernetes.jobTokenSecret: Secret with key `token`
    std::vector<VolumeMount> volumes;  // kubernetes.volumes
    std::map<std::string, std::string> env;          // kubernetes.env: extra container env
    std::map<std::string, std::string> labels;       // kubernetes.labels: extra pod labels
    std::map<std::string, std::string> annotations;  // kubernetes.annotations: pod annotations
};

// Where the trained model goes (DESIGN.md "Model repository").
struct ExportSpec {
    std::string repository;   // export.repository: export at the end of training ("": no)
    std::string name;         // export.name: model name in the repository ("": the job name)
    int max_batch_size = 64;  // export.max_batch_size: Triton's max_batch_size
};

// Experiment tracking and metrics for training (docs/tracking.md); rank 0 only. None of it
// can stop or slow training: a server that is down costs one warning.
struct TrackingSpec {
    std::string tensorboard_dir;    // tracking.tensorboard_dir: event files go here ("": off)
    std::string mlflow_experiment;  // tracking.mlflow_experiment ("": the job's name); MLflow
                                    // is on when env MLFLOW_TRACKING_URI is set
    std::string pushgateway_url;    // tracking.pushgateway_url ("": off); env
                                    // SLIPWAY_PUSHGATEWAY_URL wins
    double push_interval = 15;      // tracking.push_interval: least seconds between pushes
                                    // at the log cadence (the end always pushes)
};

struct JobSpec {
    std::string name = "slipway-job";  // name: DNS-1123 label, names the job everywhere
    std::string image;                 // image: container image (the launcher uses it)
    DataSpec data;
    ModelSpec model;
    TrainSpec train;
    CheckpointSpec checkpoint;
    ExportSpec model_export;  // export (a C++ keyword as a member name)
    TrackingSpec tracking;
    ResourcesSpec resources;
    KubernetesSpec kubernetes;
    ServingSpec serving;  // serving: render --serving (docs/deploy.md)

    // checkpoint.dir, or checkpoints/<name> when the spec leaves it out.
    std::string checkpoint_dir() const {
        return checkpoint.dir.empty() ? "checkpoints/" + name : checkpoint.dir;
    }

    std::string source_path;  // the file it came from ("" for text)
    std::string source_text;  // the YAML text as read, before --set overrides
    // The spec this job runs: source_text itself without overrides, else the YAML with the
    // --set overrides applied (comments lost, a header line names the overrides). What a
    // checkpoint stores, so that export sees the same spec the run used.
    std::string effective_text;
};

const char* to_string(Activation value);
const char* to_string(LossKind value);
const char* to_string(InitScheme value);
const char* to_string(OptimizerKind value);
const char* to_string(ScheduleKind value);
const char* to_string(RenderTarget value);
const char* to_string(NetworkMode value);

}  // namespace slipway
