// render/pod_template: the pod every target runs, built from the spec and its layout.
#include "render/pod_template.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "launcher_test_util.h"
#include "render/job_layout.h"

namespace slipway::render {
namespace {

using launcher_test::kCpuSpec;
using launcher_test::kGpuSpec;
using launcher_test::must_parse;
using launcher_test::parse_yaml;
using launcher_test::with_kubernetes;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

JobLayout layout_of(const JobSpec& spec, const std::vector<SpecOverride>& overrides = {}) {
    auto layout = make_layout(spec, overrides);
    if (!layout.ok()) {
        ADD_FAILURE() << layout.error().message();
        return JobLayout{};
    }
    return *layout;
}

Value pod_of(const std::string& yaml, PodRole role = PodRole::kTrainer,
             const std::vector<SpecOverride>& overrides = {}) {
    const JobSpec spec = must_parse(yaml, overrides);
    return pod_template(spec, layout_of(spec, overrides), role);
}

const Value& container_of(const Value& pod) {
    return pod.at_path("spec.containers")->as_list().at(0);
}

// name -> value of the container's plain env entries, in order.
std::vector<std::pair<std::string, std::string>> env_of(const Value& pod) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const Value& entry : container_of(pod).get("env")->as_list()) {
        const Value* value = entry.get("value");
        out.emplace_back(entry.get("name")->as_string(),
                         value ? value->as_string() : std::string("<valueFrom>"));
    }
    return out;
}

std::string env_value(const Value& pod, const std::string& name) {
    for (const auto& [key, value] : env_of(pod)) {
        if (key == name) return value;
    }
    return "<unset>";
}

std::vector<std::string> strings_of(const Value& list) {
    std::vector<std::string> out;
    for (const Value& item : list.as_list()) out.push_back(item.as_string());
    return out;
}

// The whole pod of the smallest spec, as Kubernetes would read the YAML.
TEST(PodTemplateTest, WholeCpuTrainerPod) {
    const Value expected = parse_yaml(R"(
metadata:
  labels:
    app.kubernetes.io/name: slipway
    app.kubernetes.io/instance: mnist
    app.kubernetes.io/component: trainer
    app.kubernetes.io/part-of: slipway
    app.kubernetes.io/managed-by: slipway-launch
    app.kubernetes.io/version: "0.1.0"
spec:
  restartPolicy: Never
  subdomain: mnist
  terminationGracePeriodSeconds: 120
  enableServiceLinks: false
  automountServiceAccountToken: false
  affinity:
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector:
          matchLabels:
            app.kubernetes.io/instance: mnist
            app.kubernetes.io/component: trainer
        topologyKey: kubernetes.io/hostname
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    runAsGroup: 10001
    fsGroup: 10001
    fsGroupChangePolicy: OnRootMismatch
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: trainer
    image: registry.example.com/slipway-train:0.1.0
    imagePullPolicy: IfNotPresent
    command: [slipway-launch, exec, --nproc, "2", --grace-period, "110", --,
              slipway-train, /etc/slipway/job.yaml]
    workingDir: /home/slipway
    ports:
    - {name: rendezvous, containerPort: 29500, protocol: TCP}
    env:
    - {name: WORLD_SIZE, value: "4"}
    - {name: LOCAL_WORLD_SIZE, value: "2"}
    - {name: MASTER_ADDR, value: mnist-0.mnist}
    - {name: MASTER_PORT, value: "29500"}
    - {name: OMP_NUM_THREADS, value: "4"}
    - {name: HOME, value: /home/slipway}
    - {name: TMPDIR, value: /tmp}
    resources:
      limits: {cpu: "8", memory: 16Gi}
      requests: {cpu: "8", memory: 16Gi}
    volumeMounts:
    - {name: spec, mountPath: /etc/slipway, readOnly: true}
    - {name: dshm, mountPath: /dev/shm}
    - {name: tmp, mountPath: /tmp}
    - {name: home, mountPath: /home/slipway}
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      runAsNonRoot: true
      runAsUser: 10001
      runAsGroup: 10001
      capabilities: {drop: [ALL]}
      seccompProfile: {type: RuntimeDefault}
    terminationMessagePath: /dev/termination-log
    terminationMessagePolicy: FallbackToLogsOnError
  volumes:
  - {name: spec, configMap: {name: mnist-spec}}
  - {name: dshm, emptyDir: {medium: Memory, sizeLimit: 2Gi}}
  - {name: tmp, emptyDir: {}}
  - {name: home, emptyDir: {}}
)");
    EXPECT_EQ(pod_of(kCpuSpec), expected);
}

TEST(PodTemplateTest, GpuRdmaTrainerEnv) {
    const Value pod = pod_of(kGpuSpec);
    using Env = std::vector<std::pair<std::string, std::string>>;
    EXPECT_EQ(env_of(pod), (Env{
                               {"WORLD_SIZE", "32"},
                               {"LOCAL_WORLD_SIZE", "8"},
                               {"MASTER_ADDR", "llm-0.llm"},
                               {"MASTER_PORT", "23456"},
                               {"SLIPWAY_JOB_TOKEN_FILE", "/var/run/secrets/slipway/token"},
                               {"OMP_NUM_THREADS", "12"},
                               {"HOME", "/home/slipway"},
                               {"TMPDIR", "/tmp"},
                               {"NCCL_IB_DISABLE", "0"},
                               {"NCCL_IB_HCA", "mlx5"},
                               {"NCCL_SOCKET_IFNAME", "eth0"},
                               {"NCCL_DEBUG", "INFO"},
                           }));
}

struct EnvCase {
    const char* name;
    std::string resources;  // the resources: section
    std::string world_size, local_world_size, omp_threads;
};

void PrintTo(const EnvCase& c, std::ostream* os) { *os << c.name; }

class EnvContractTest : public testing::TestWithParam<EnvCase> {};

TEST_P(EnvContractTest, WorldSizeIsNodesTimesRanksPerNodeAndThreadsShareTheCpus) {
    const std::string yaml = "name: job\nimage: img:1\ndata:\n  path: /d.h5\nresources:\n" +
                             GetParam().resources;
    const Value pod = pod_of(yaml);
    EXPECT_EQ(env_value(pod, "WORLD_SIZE"), GetParam().world_size);
    EXPECT_EQ(env_value(pod, "LOCAL_WORLD_SIZE"), GetParam().local_world_size);
    EXPECT_EQ(env_value(pod, "OMP_NUM_THREADS"), GetParam().omp_threads);
    EXPECT_EQ(strings_of(*container_of(pod).get("command"))[3], GetParam().local_world_size)
        << "--nproc is the ranks per pod";
}

INSTANTIATE_TEST_SUITE_P(
    Layouts, EnvContractTest,
    testing::Values(
        EnvCase{"Defaults", "  nodes: 1\n", "1", "1", "4"},
        EnvCase{"CpuRanks", "  nodes: 3\n  processesPerNode: 4\n  cpu: \"16\"\n", "12", "4", "4"},
        EnvCase{"CpuRoundsDown", "  nodes: 2\n  processesPerNode: 3\n  cpu: \"8\"\n", "6", "3",
                "2"},
        EnvCase{"MilliCpuAtLeastOne", "  nodes: 2\n  processesPerNode: 2\n  cpu: 500m\n", "4",
                "2", "1"},
        EnvCase{"Gpus", "  nodes: 4\n  gpusPerNode: 8\n  cpu: \"96\"\n", "32", "8", "12"},
        EnvCase{"OneGpu", "  nodes: 2\n  gpusPerNode: 1\n  cpu: \"6\"\n", "2", "1", "6"}),
    [](const testing::TestParamInfo<EnvCase>& info) { return std::string(info.param.name); });

TEST(PodTemplateTest, MasterAddrPerTarget) {
    EXPECT_EQ(env_value(pod_of(kCpuSpec), "MASTER_ADDR"), "mnist-0.mnist");
    EXPECT_EQ(env_value(pod_of(with_kubernetes(kCpuSpec, "  target: jobset\n")), "MASTER_ADDR"),
              "mnist-workers-0-0.mnist");
    EXPECT_EQ(env_value(pod_of(with_kubernetes(kCpuSpec, "  schedule: \"0 3 * * *\"\n")),
                        "MASTER_ADDR"),
              "$(JOB_NAME)-0.mnist");
    EXPECT_EQ(env_value(pod_of(with_kubernetes(kCpuSpec, "  port: 31000\n")), "MASTER_PORT"),
              "31000");
}

TEST(PodTemplateTest, CronJobPodsGetTheirJobNameBeforeMasterAddrUsesIt) {
    const Value pod = pod_of(with_kubernetes(kCpuSpec, "  schedule: \"0 3 * * *\"\n"));
    const auto& env = container_of(pod).get("env")->as_list();
    ASSERT_GE(env.size(), 1u);
    // $(VAR) expands only to variables defined earlier in the list.
    EXPECT_EQ(env[0], Value::map({
                          {"name", "JOB_NAME"},
                          {"valueFrom",
                           Value::map({{"fieldRef",
                                        Value::map({{"fieldPath",
                                                     "metadata.labels['batch.kubernetes.io/"
                                                     "job-name']"}})}})},
                      }));
    // A plain Job has no JOB_NAME: its name is known.
    const Value plain = pod_of(kCpuSpec);
    for (const Value& entry : container_of(plain).get("env")->as_list()) {
        EXPECT_NE(*entry.get("name"), Value("JOB_NAME"));
    }
}

TEST(PodTemplateTest, ResourcesRequestsEqualLimits) {
    const Value gpu = *container_of(pod_of(kGpuSpec)).get("resources");
    const Value amounts = Value::map({{"cpu", "96"},
                                      {"memory", "1000Gi"},
                                      {"nvidia.com/gpu", "8"},
                                      {"rdma/hca_shared_devices_a", "1"}});
    EXPECT_EQ(gpu, Value::map({{"limits", amounts}, {"requests", amounts}}));

    const Value cpu = *container_of(pod_of(kCpuSpec)).get("resources");
    const Value cpu_amounts = Value::map({{"cpu", "8"}, {"memory", "16Gi"}});
    EXPECT_EQ(cpu, Value::map({{"limits", cpu_amounts}, {"requests", cpu_amounts}}));
}

TEST(PodTemplateTest, RdmaResourceAndIpcLockOnlyWithRdma) {
    // The GPU spec without network: rdma.
    std::string no_rdma = kGpuSpec;
    no_rdma.replace(no_rdma.find("  network: rdma\n"), 16, "");
    no_rdma.replace(no_rdma.find("  ncclIbHca: mlx5\n"), 18, "");
    const Value plain = pod_of(no_rdma);
    const Value& limits = *container_of(plain).at_path("resources.limits");
    EXPECT_EQ(limits.get("rdma/hca_shared_devices_a"), nullptr);
    EXPECT_EQ(*limits.get("nvidia.com/gpu"), Value("8"));
    EXPECT_EQ(*container_of(plain).at_path("securityContext.capabilities"),
              Value::map({{"drop", Value::list({"ALL"})}}));
    EXPECT_EQ(env_value(plain, "NCCL_IB_DISABLE"), "1");
    EXPECT_EQ(env_value(plain, "NCCL_IB_HCA"), "<unset>");

    const Value rdma = pod_of(kGpuSpec);
    EXPECT_EQ(*container_of(rdma).at_path("securityContext.capabilities"),
              Value::map({{"drop", Value::list({"ALL"})}, {"add", Value::list({"IPC_LOCK"})}}));

    // A custom device resource.
    const Value custom = pod_of(with_kubernetes(kGpuSpec, "  rdmaResource: rdma/ib\n"));
    EXPECT_EQ(*container_of(custom).at_path("resources.limits.rdma/ib"), Value("1"));
}

TEST(PodTemplateTest, NoGpuResourceOrNcclEnvOnCpuJobs) {
    const Value pod = pod_of(kCpuSpec);
    EXPECT_EQ(container_of(pod).at_path("resources.limits")->get("nvidia.com/gpu"), nullptr);
    for (const auto& [name, value] : env_of(pod)) {
        EXPECT_THAT(name, testing::Not(testing::StartsWith("NCCL_")));
    }
    EXPECT_EQ(pod.at_path("spec.tolerations"), nullptr);
}

TEST(PodTemplateTest, GpuTolerationOnlyForGpuJobsPlusTheSpecsTolerations) {
    EXPECT_EQ(*pod_of(kGpuSpec).at_path("spec.tolerations"), parse_yaml(R"(
- {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
- {key: dedicated, operator: Equal, value: training, effect: NoSchedule}
- {operator: Exists, effect: NoExecute, tolerationSeconds: 300}
)"));
    const std::string cpu_with_toleration =
        std::string(kCpuSpec) +
        "  tolerations:\n    - key: spot\n      operator: Exists\n      effect: NoSchedule\n";
    EXPECT_EQ(*pod_of(cpu_with_toleration).at_path("spec.tolerations"),
              parse_yaml("- {key: spot, operator: Exists, effect: NoSchedule}\n"));
}

TEST(PodTemplateTest, AntiAffinityIffExclusiveNodes) {
    const Value exclusive = pod_of(kCpuSpec);
    ASSERT_NE(exclusive.at_path("spec.affinity"), nullptr);
    // The selector picks this job's pods of the same role, on one hostname.
    const Value& term = exclusive.at_path("spec.affinity.podAntiAffinity")
                            ->get("requiredDuringSchedulingIgnoredDuringExecution")
                            ->as_list()
                            .at(0);
    EXPECT_EQ(*term.get("topologyKey"), Value("kubernetes.io/hostname"));
    const Value& labels = *exclusive.at_path("metadata.labels");
    for (const auto& [key, value] : term.at_path("labelSelector.matchLabels")->as_map()) {
        ASSERT_NE(labels.get(key), nullptr) << key;
        EXPECT_EQ(*labels.get(key), value) << key;
    }
    const Value shared = pod_of(std::string(kCpuSpec) + "  exclusiveNodes: false\n");
    EXPECT_EQ(shared.at_path("spec.affinity"), nullptr);
}

TEST(PodTemplateTest, HardenedSecurityContextForEveryRole) {
    for (PodRole role : {PodRole::kTrainer, PodRole::kMpiLauncher, PodRole::kMpiWorker}) {
        const Value pod = pod_of(with_kubernetes(kGpuSpec, "  target: mpijob\n"), role);
        const Value& pod_context = *pod.at_path("spec.securityContext");
        EXPECT_EQ(*pod_context.get("runAsNonRoot"), Value(true));
        EXPECT_EQ(*pod_context.get("runAsUser"), Value(10001));
        EXPECT_EQ(*pod_context.at_path("seccompProfile.type"), Value("RuntimeDefault"));
        const Value& context = *container_of(pod).get("securityContext");
        EXPECT_EQ(*context.get("runAsNonRoot"), Value(true));
        EXPECT_EQ(*context.get("runAsUser"), Value(10001));
        EXPECT_EQ(*context.get("readOnlyRootFilesystem"), Value(true));
        EXPECT_EQ(*context.get("allowPrivilegeEscalation"), Value(false));
        EXPECT_EQ(*context.at_path("capabilities.drop"), Value::list({"ALL"}));
        EXPECT_EQ(*context.at_path("seccompProfile.type"), Value("RuntimeDefault"));
        EXPECT_EQ(*pod.at_path("spec.automountServiceAccountToken"), Value(false));
        EXPECT_EQ(*pod.at_path("spec.restartPolicy"), Value("Never"));
    }
}

TEST(PodTemplateTest, VolumesFromTheSpec) {
    const Value pod = pod_of(kGpuSpec);
    EXPECT_EQ(*pod.at_path("spec.volumes"), parse_yaml(R"(
- {name: spec, configMap: {name: llm-spec}}
- {name: dshm, emptyDir: {medium: Memory, sizeLimit: 64Gi}}
- {name: tmp, emptyDir: {}}
- {name: home, emptyDir: {}}
- {name: job-token, secret: {secretName: llm-token, defaultMode: 0440}}
- {name: data, persistentVolumeClaim: {claimName: datasets, readOnly: true}}
- {name: ckpt, persistentVolumeClaim: {claimName: checkpoints}}
- {name: extra, configMap: {name: extra-config}}
- {name: creds, secret: {secretName: s3-creds}}
)"));
    EXPECT_EQ(*container_of(pod).get("volumeMounts"), parse_yaml(R"(
- {name: spec, mountPath: /etc/slipway, readOnly: true}
- {name: dshm, mountPath: /dev/shm}
- {name: tmp, mountPath: /tmp}
- {name: home, mountPath: /home/slipway}
- {name: job-token, mountPath: /var/run/secrets/slipway, readOnly: true}
- {name: data, mountPath: /data, readOnly: true}
- {name: ckpt, mountPath: /ckpt}
- {name: extra, mountPath: /etc/extra}
- {name: creds, mountPath: /etc/creds, readOnly: true}
)"));
    // 0440 is octal in the YAML above: yaml-cpp's int reads it as 288, the value the API wants.
    EXPECT_EQ(*pod.at_path("spec.volumes")->as_list()[4].at_path("secret.defaultMode"),
              Value(288));
}

TEST(PodTemplateTest, JobTokenIsAFileNeverAnEnvValue) {
    const Value pod = pod_of(kGpuSpec);
    EXPECT_EQ(env_value(pod, "SLIPWAY_JOB_TOKEN_FILE"), "/var/run/secrets/slipway/token");
    for (const Value& entry : container_of(pod).get("env")->as_list()) {
        EXPECT_EQ(entry.at_path("valueFrom.secretKeyRef"), nullptr) << to_yaml(entry);
        EXPECT_NE(*entry.get("name"), Value("SLIPWAY_JOB_TOKEN"));
    }
    // Without a Secret there is no file to point at.
    EXPECT_EQ(env_value(pod_of(kCpuSpec), "SLIPWAY_JOB_TOKEN_FILE"), "<unset>");
}

TEST(PodTemplateTest, PlacementAndIdentityFromTheSpec) {
    const Value pod = pod_of(kGpuSpec);
    EXPECT_EQ(*pod.at_path("spec.nodeSelector"),
              Value::map({{"nvidia.com/gpu.product", "NVIDIA-H100-80GB-HBM3"}}));
    EXPECT_EQ(*pod.at_path("spec.serviceAccountName"), Value("trainer"));
    EXPECT_EQ(*pod.at_path("spec.priorityClassName"), Value("training-high"));
    EXPECT_EQ(*pod.at_path("spec.imagePullSecrets"),
              Value::list({Value::map({{"name", "registry-cred"}})}));
    EXPECT_EQ(*pod.at_path("spec.terminationGracePeriodSeconds"), Value(300));
    EXPECT_EQ(*pod.at_path("metadata.annotations"),
              Value::map({{"example.com/owner", "ml-platform"}}));
    EXPECT_EQ(*pod.at_path("metadata.labels")->get("team"), Value("a"));
    EXPECT_EQ(pod.at_path("spec.hostNetwork"), nullptr);
    EXPECT_EQ(*container_of(pod).get("ports"),
              parse_yaml("- {name: rendezvous, containerPort: 23456, protocol: TCP}\n"));

    const Value host = pod_of(with_kubernetes(kGpuSpec, "  hostNetwork: true\n"));
    EXPECT_EQ(*host.at_path("spec.hostNetwork"), Value(true));
    EXPECT_EQ(*host.at_path("spec.dnsPolicy"), Value("ClusterFirstWithHostNet"));
}

TEST(PodTemplateTest, SubdomainOnlyForIndexedJobPods) {
    EXPECT_EQ(*pod_of(kCpuSpec).at_path("spec.subdomain"), Value("mnist"));
    // JobSet sets the subdomain itself (spec.network.subdomain).
    EXPECT_EQ(pod_of(with_kubernetes(kCpuSpec, "  target: jobset\n")).at_path("spec.subdomain"),
              nullptr);
}

TEST(PodTemplateTest, OverridesReachSlipwayTrainInOrder) {
    const std::vector<SpecOverride> overrides = {{"train.epochs", "3"},
                                                 {"train.optimizer.lr", "0.1"}};
    const Value pod = pod_of(kCpuSpec, PodRole::kTrainer, overrides);
    EXPECT_THAT(strings_of(*container_of(pod).get("command")),
                ElementsAre("slipway-launch", "exec", "--nproc", "2", "--grace-period", "110",
                            "--", "slipway-train", "/etc/slipway/job.yaml", "--set",
                            "train.epochs=3", "--set", "train.optimizer.lr=0.1"));
}

struct GraceCase {
    int64_t pod_grace;
    std::string rank_grace;
};

TEST(PodTemplateTest, RanksGetTheGracePeriodLessAMargin) {
    for (const GraceCase& c : std::vector<GraceCase>{{120, "110"}, {300, "290"}, {15, "5"},
                                                     {10, "5"}}) {
        const JobSpec spec = must_parse(with_kubernetes(
            kCpuSpec, "  terminationGracePeriodSeconds: " + std::to_string(c.pod_grace) + "\n"));
        const auto command = trainer_command(spec, layout_of(spec));
        ASSERT_GE(command.size(), 6u);
        EXPECT_EQ(command[4], "--grace-period");
        EXPECT_EQ(command[5], c.rank_grace) << c.pod_grace;
    }
}

TEST(PodTemplateTest, MpiLauncherPod) {
    const Value pod = pod_of(with_kubernetes(kGpuSpec, "  target: mpijob\n"),
                             PodRole::kMpiLauncher);
    const Value& container = container_of(pod);
    EXPECT_EQ(*container.get("name"), Value("launcher"));
    EXPECT_EQ(container.get("ports"), nullptr);
    const Value small = Value::map({{"cpu", "1"}, {"memory", "1Gi"}});
    EXPECT_EQ(*container.get("resources"), Value::map({{"limits", small}, {"requests", small}}));
    EXPECT_EQ(*pod.at_path("metadata.labels")->get("app.kubernetes.io/component"),
              Value("launcher"));
    // No GPUs, so no GPU placement; no RDMA, so no IPC_LOCK.
    EXPECT_EQ(pod.at_path("spec.tolerations")->as_list().size(), 2u);  // the spec's own two
    EXPECT_EQ(pod.at_path("spec.affinity"), nullptr);
    EXPECT_EQ(pod.at_path("spec.nodeSelector"), nullptr);
    EXPECT_EQ(container.at_path("securityContext.capabilities.add"), nullptr);
    EXPECT_EQ(env_value(pod, "WORLD_SIZE"), "<unset>");
    EXPECT_THAT(strings_of(*container.get("command")),
                ElementsAre("mpirun", "-np", "32", "--bind-to", "none", "--map-by", "slot",
                            "--tag-output", "-x", "OMP_NUM_THREADS", "-x", "HOME", "-x",
                            "TMPDIR", "-x", "SLIPWAY_JOB_TOKEN_FILE", "-x", "NCCL_IB_DISABLE",
                            "-x", "NCCL_IB_HCA", "-x", "NCCL_SOCKET_IFNAME", "-x", "NCCL_DEBUG",
                            "slipway-train", "/etc/slipway/job.yaml"));
}

// Ranks started over SSH see only what mpirun forwards: every variable the launcher pod sets
// must be passed with -x, or the workers' ranks run without it.
TEST(PodTemplateTest, MpiLauncherForwardsEveryEnvVariableToTheRanks) {
    for (const std::string& yaml :
         {with_kubernetes(kGpuSpec, "  target: mpijob\n"),
          with_kubernetes(kCpuSpec, "  target: mpijob\n")}) {
        const Value pod = pod_of(yaml, PodRole::kMpiLauncher);
        const std::vector<std::string> command = strings_of(*container_of(pod).get("command"));
        std::vector<std::string> forwarded;
        for (size_t i = 0; i + 1 < command.size(); ++i) {
            if (command[i] == "-x") forwarded.push_back(command[i + 1]);
        }
        std::vector<std::string> env;
        for (const auto& [name, value] : env_of(pod)) env.push_back(name);
        std::sort(forwarded.begin(), forwarded.end());
        std::sort(env.begin(), env.end());
        EXPECT_EQ(forwarded, env);
    }
}

TEST(PodTemplateTest, MpiWorkerPod) {
    const Value pod = pod_of(with_kubernetes(kGpuSpec, "  target: mpijob\n"),
                             PodRole::kMpiWorker);
    const Value& container = container_of(pod);
    EXPECT_EQ(*container.get("name"), Value("worker"));
    EXPECT_THAT(strings_of(*container.get("command")),
                ElementsAre("/usr/sbin/sshd", "-De", "-f", "/etc/ssh/sshd_config.slipway"));
    EXPECT_EQ(*container.get("ports"),
              parse_yaml("- {name: ssh, containerPort: 2222, protocol: TCP}\n"));
    EXPECT_EQ(*container.at_path("resources.limits")->get("nvidia.com/gpu"), Value("8"));
    EXPECT_EQ(*container.at_path("securityContext.capabilities.add"),
              Value::list({"IPC_LOCK"}));
    EXPECT_EQ(pod.at_path("spec.subdomain"), nullptr);
    EXPECT_EQ(*pod.at_path("metadata.labels")->get("app.kubernetes.io/component"),
              Value("worker"));
    // sshd needs a writable /run on a read-only root filesystem.
    EXPECT_THAT(to_yaml(*container.get("volumeMounts")), HasSubstr("mountPath: /run\n"));
    EXPECT_THAT(to_yaml(*pod.at_path("spec.volumes")), HasSubstr("- name: run\n  emptyDir: {}"));
    EXPECT_EQ(pod.at_path("spec.tolerations")->as_list().at(0),
              parse_yaml("{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}"));
    EXPECT_EQ(*pod.at_path("spec.affinity.podAntiAffinity")
                   ->get("requiredDuringSchedulingIgnoredDuringExecution")
                   ->as_list()[0]
                   .at_path("labelSelector.matchLabels"),
              Value::map({{"app.kubernetes.io/instance", "llm"},
                          {"app.kubernetes.io/component", "worker"}}));
}

TEST(PodTemplateTest, StandardLabels) {
    const JobSpec spec = must_parse(kCpuSpec);
    EXPECT_EQ(standard_labels(spec, "job"), Value::map({
                                                {"app.kubernetes.io/name", "slipway"},
                                                {"app.kubernetes.io/instance", "mnist"},
                                                {"app.kubernetes.io/component", "job"},
                                                {"app.kubernetes.io/part-of", "slipway"},
                                                {"app.kubernetes.io/managed-by",
                                                 "slipway-launch"},
                                                {"app.kubernetes.io/version", "0.1.0"},
                                            }));
}

}  // namespace
}  // namespace slipway::render
