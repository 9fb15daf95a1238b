// The sections slipway-launch reads: resources, kubernetes, export.
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "spec/quantity.h"
#include "spec/spec_parser.h"
#include "spec_test_util.h"

namespace slipway {
namespace {

using ::testing::HasSubstr;
using spec_test::spec_failure;

constexpr const char* kInfraSpec = R"(name: llm-pretrain
data:
  path: /data/train.h5
export:
  repository: /models
  name: mlp
  max_batch_size: 128
resources:
  nodes: 4
  gpusPerNode: 8
  cpu: "96"
  memory: 1500Gi
  shmSize: 64Gi
  nodeSelector:
    nvidia.com/gpu.product: NVIDIA-H100-80GB-HBM3
  tolerations:
    - key: dedicated
      operator: Equal
      value: training
      effect: NoSchedule
    - operator: Exists
      effect: NoExecute
      tolerationSeconds: 300
  exclusiveNodes: false
kubernetes:
  namespace: ml
  target: jobset
  queue: team-a
  priorityClass: high-priority
  serviceAccount: trainer
  port: 23456
  backoffLimit: 5
  activeDeadlineSeconds: 3600
  ttlSecondsAfterFinished: 600
  terminationGracePeriodSeconds: 300
  network: rdma
  hostNetwork: true
  ncclSocketIfname: eth0
  imagePullPolicy: Always
  imagePullSecrets: [registry-cred]
  jobTokenSecret: llm-token
  volumes:
    - name: data
      mountPath: /data
      pvc: datasets
      readOnly: true
    - name: ckpt
      mountPath: /ckpt
      pvc: checkpoints
  env:
    NCCL_DEBUG: INFO
  labels:
    team: a
  annotations:
    example.com/owner: ml-platform
)";

// kInfraSpec with the first line that starts (after indentation) with `prefix` replaced.
std::string infra_with(const std::string& prefix, const std::string& replacement) {
    std::istringstream in(kInfraSpec);
    std::string out, line;
    bool done = false;
    while (std::getline(in, line)) {
        const size_t indent = line.find_first_not_of(' ');
        if (!done && indent != std::string::npos && line.compare(indent, prefix.size(), prefix) == 0) {
            out += line.substr(0, indent) + replacement + "\n";
            done = true;
        } else {
            out += line + "\n";
        }
    }
    EXPECT_TRUE(done) << "no line starts with " << prefix;
    return out;
}

TEST(SpecInfrastructureTest, FullInfrastructureSpecFillsEveryField) {
    auto result = parse_job_spec(kInfraSpec, "job.yaml");
    ASSERT_TRUE(result.ok()) << result.error().message();
    const JobSpec& spec = *result;
    EXPECT_EQ(spec.model_export.repository, "/models");
    EXPECT_EQ(spec.model_export.name, "mlp");
    EXPECT_EQ(spec.model_export.max_batch_size, 128);
    const ResourcesSpec& res = spec.resources;
    EXPECT_EQ(res.nodes, 4);
    EXPECT_EQ(res.gpus_per_node, 8);
    EXPECT_EQ(res.ranks_per_node(), 8);
    EXPECT_EQ(res.world_size(), 32);
    EXPECT_EQ(res.cpu, "96");
    EXPECT_EQ(res.memory, "1500Gi");
    EXPECT_EQ(res.shm_size, "64Gi");
    EXPECT_EQ(res.node_selector.at("nvidia.com/gpu.product"), "NVIDIA-H100-80GB-HBM3");
    ASSERT_EQ(res.tolerations.size(), 2u);
    EXPECT_EQ(res.tolerations[0].key, "dedicated");
    EXPECT_EQ(res.tolerations[0].op, "Equal");
    EXPECT_EQ(res.tolerations[0].value, "training");
    EXPECT_EQ(res.tolerations[0].effect, "NoSchedule");
    EXPECT_EQ(res.tolerations[0].toleration_seconds, -1);
    EXPECT_EQ(res.tolerations[1].op, "Exists");
    EXPECT_EQ(res.tolerations[1].toleration_seconds, 300);
    EXPECT_FALSE(res.exclusive_nodes);
    const KubernetesSpec& k8s = spec.kubernetes;
    EXPECT_EQ(k8s.namespace_name, "ml");
    EXPECT_EQ(k8s.target, RenderTarget::kJobSet);
    EXPECT_EQ(k8s.queue, "team-a");
    EXPECT_EQ(k8s.priority_class, "high-priority");
    EXPECT_EQ(k8s.service_account, "trainer");
    EXPECT_EQ(k8s.port, 23456);
    EXPECT_EQ(k8s.backoff_limit, 5);
    EXPECT_EQ(k8s.active_deadline_seconds, 3600);
    EXPECT_EQ(k8s.ttl_seconds_after_finished, 600);
    EXPECT_EQ(k8s.termination_grace_seconds, 300);
    EXPECT_EQ(k8s.network, NetworkMode::kRdma);
    EXPECT_TRUE(k8s.host_network);
    EXPECT_EQ(k8s.nccl_socket_ifname, "eth0");
    EXPECT_EQ(k8s.image_pull_policy, "Always");
    EXPECT_EQ(k8s.image_pull_secrets, std::vector<std::string>{"registry-cred"});
    EXPECT_EQ(k8s.job_token_secret, "llm-token");
    ASSERT_EQ(k8s.volumes.size(), 2u);
    EXPECT_EQ(k8s.volumes[0].name, "data");
    EXPECT_EQ(k8s.volumes[0].mount_path, "/data");
    EXPECT_EQ(k8s.volumes[0].pvc, "datasets");
    EXPECT_TRUE(k8s.volumes[0].read_only);
    EXPECT_FALSE(k8s.volumes[1].read_only);
    EXPECT_EQ(k8s.env.at("NCCL_DEBUG"), "INFO");
    EXPECT_EQ(k8s.labels.at("team"), "a");
    EXPECT_EQ(k8s.annotations.at("example.com/owner"), "ml-platform");
}

TEST(SpecInfrastructureTest, DefaultsAreACpuJobOnOnePod) {
    auto result = parse_job_spec("data: {path: d.h5}\n", "job.yaml");
    ASSERT_TRUE(result.ok()) << result.error().message();
    EXPECT_EQ(result->resources.nodes, 1);
    EXPECT_EQ(result->resources.gpus_per_node, 0);
    EXPECT_EQ(result->resources.world_size(), 1);
    EXPECT_EQ(result->kubernetes.target, RenderTarget::kIndexedJob);
    EXPECT_EQ(result->kubernetes.namespace_name, "default");
    EXPECT_TRUE(result->resources.exclusive_nodes);
    EXPECT_TRUE(result->model_export.repository.empty());
}

struct BadInfraCase {
    std::string prefix;       // the line to replace
    std::string replacement;  // its new text
    std::string where;        // expected "job.yaml:N" or "" to skip
    std::string what;         // expected substring of the error
    std::string hint;         // expected substring of the hint ("" to skip)
};

class BadInfraTest : public ::testing::TestWithParam<BadInfraCase> {};

TEST_P(BadInfraTest, NamesLineKeyAndFix) {
    const BadInfraCase& c = GetParam();
    Error error = spec_failure(infra_with(c.prefix, c.replacement));
    if (!c.where.empty()) {
        EXPECT_EQ(error.where, c.where) << error.message();
    }
    EXPECT_THAT(error.what, HasSubstr(c.what)) << error.message();
    if (!c.hint.empty()) {
        EXPECT_THAT(error.hint, HasSubstr(c.hint)) << error.message();
    }
}

INSTANTIATE_TEST_SUITE_P(
    Resources, BadInfraTest,
    ::testing::Values(
        BadInfraCase{"name:", "name: LLM_pretrain", "job.yaml:1", "name must be a DNS-1123 label",
                     "lowercase"},
        BadInfraCase{"gpusPerNode:", "gpusPerNode: 1.5", "job.yaml:10",
                     "resources.gpusPerNode must be an integer", ""},
        BadInfraCase{"gpusPerNode:", "gpusPerNode: -1", "job.yaml:10",
                     "resources.gpusPerNode must be >= 0", ""},
        BadInfraCase{"gpusPerNode:", "gpuPerNode: 8", "job.yaml:10",
                     "unknown key 'resources.gpuPerNode'", "did you mean 'gpusPerNode'"},
        BadInfraCase{"nodes:", "nodes: 0", "job.yaml:9", "resources.nodes must be >= 1", ""},
        BadInfraCase{"memory:", "memory: 16Gb", "job.yaml:12",
                     "resources.memory must be a positive Kubernetes quantity, got '16Gb'",
                     "did you mean '16Gi'"},
        BadInfraCase{"cpu:", "cpu: 0", "job.yaml:11", "resources.cpu must be a positive", ""},
        BadInfraCase{"nvidia.com/gpu.product:", "nvidia.com/gpu.product: 80",
                     "job.yaml:15", "resources.nodeSelector.nvidia.com/gpu.product must be a "
                     "string, got '80'", "quote it"},
        BadInfraCase{"- key: dedicated", "- tolerationSeconds: 5", "job.yaml:17",
                     "resources.tolerations[0] has operator Equal but no key", "Exists"},
        BadInfraCase{"- operator: Exists", "- operator: Exist", "job.yaml:21",
                     "resources.tolerations[1].operator must be one of Equal, Exists",
                     "did you mean 'Exists'"},
        BadInfraCase{"tolerationSeconds:", "tolerationSeconds: soon", "job.yaml:23",
                     "resources.tolerations[1].tolerationSeconds must be an integer", ""}));

INSTANTIATE_TEST_SUITE_P(
    Kubernetes, BadInfraTest,
    ::testing::Values(
        BadInfraCase{"namespace:", "namespace: ML", "job.yaml:26",
                     "kubernetes.namespace must be a DNS-1123 label", ""},
        BadInfraCase{"target:", "target: mpi-job", "job.yaml:27",
                     "kubernetes.target must be one of indexed-job, jobset, mpijob",
                     "did you mean 'mpijob'"},
        BadInfraCase{"queue:", "queue: team a", "job.yaml:28",
                     "kubernetes.queue must be a valid label value", ""},
        BadInfraCase{"port:", "port: 80", "job.yaml:31", "kubernetes.port must be in [1024, 65535]",
                     ""},
        BadInfraCase{"terminationGracePeriodSeconds:", "terminationGracePeriodSeconds: 5",
                     "job.yaml:35", "must be >= 10", ""},
        BadInfraCase{"network:", "network: default", "job.yaml:37",
                     "kubernetes.hostNetwork needs kubernetes.network: rdma", ""},
        BadInfraCase{"pvc: datasets", "pvc: datasets\n      secret: creds", "job.yaml:43",
                     "kubernetes.volumes[0] must name exactly one source", ""},
        BadInfraCase{"mountPath: /data", "mountPath: data", "job.yaml:44",
                     "kubernetes.volumes[0].mountPath must be an absolute path", ""},
        BadInfraCase{"mountPath: /ckpt", "mountPath: /dev/shm", "job.yaml:47",
                     "kubernetes.volumes[1].mountPath /dev/shm is mounted by slipway itself",
                     ""},
        BadInfraCase{"- name: ckpt", "- readOnly: true", "job.yaml:47",
                     "missing required key 'kubernetes.volumes[1].name'", ""},
        BadInfraCase{"NCCL_DEBUG:", "1NCCL: x", "job.yaml:51",
                     "kubernetes.env.1NCCL has a name that is not a valid variable name", ""},
        BadInfraCase{"imagePullSecrets:", "imagePullSecrets: registry-cred", "job.yaml:40",
                     "kubernetes.imagePullSecrets must be a list of strings", ""}));

TEST(SpecInfrastructureTest, ScheduleNeedsAnIndexedJob) {
    Error error = spec_failure(infra_with("port:", "port: 23456\n  schedule: \"0 3 * * *\""));
    EXPECT_THAT(error.what, HasSubstr("kubernetes.schedule cannot be expressed by target jobset"));
    EXPECT_THAT(error.hint, HasSubstr("indexed-job"));
    Error cron = spec_failure("data: {path: d.h5}\nkubernetes: {schedule: \"0 3 * *\"}\n");
    EXPECT_THAT(cron.what, HasSubstr("kubernetes.schedule must be a cron schedule"));
}

TEST(SpecInfrastructureTest, NameMustLeaveRoomForPodHostnamesAndCronSuffix) {
    const std::string long_name(60, 'a');
    auto ok = parse_job_spec("name: " + long_name + "\ndata: {path: d.h5}\n", "job.yaml");
    EXPECT_TRUE(ok.ok());  // 60 + "-0" = 62
    Error pods = spec_failure("name: " + long_name +
                              "\ndata: {path: d.h5}\nresources: {nodes: 100}\n");
    EXPECT_THAT(pods.what, HasSubstr("at most 59 fit this job's pod hostnames"));
    Error cron = spec_failure("name: " + long_name +
                              "\ndata: {path: d.h5}\nkubernetes: {schedule: \"@daily\"}\n");
    EXPECT_THAT(cron.hint, HasSubstr("52"));
}

TEST(SpecInfrastructureTest, VolumesEnvAndHostNetworkRules) {
    Error twice = spec_failure(infra_with("- name: ckpt", "- name: data"));
    EXPECT_THAT(twice.what, HasSubstr("kubernetes.volumes[1].name 'data' is used twice"));
    Error path = spec_failure(infra_with("mountPath: /ckpt", "mountPath: /data"));
    EXPECT_THAT(path.what, HasSubstr("kubernetes.volumes[1].mountPath '/data' is used twice"));
    Error env = spec_failure(infra_with("NCCL_DEBUG: INFO", "MASTER_ADDR: elsewhere"));
    EXPECT_THAT(env.what, HasSubstr("kubernetes.env sets MASTER_ADDR, which slipway sets"));
    Error token = spec_failure(infra_with("jobTokenSecret: llm-token", "jobTokenSecret: \"\""));
    EXPECT_EQ(token.where, "job.yaml:37");
    EXPECT_THAT(token.what, HasSubstr("kubernetes.hostNetwork needs kubernetes.jobTokenSecret"));
}

TEST(SpecInfrastructureTest, ProcessesPerNodeContradictingGpusIsRefused) {
    Error error = spec_failure("data: {path: d.h5}\nresources:\n  gpusPerNode: 4\n"
                               "  processesPerNode: 2\n");
    EXPECT_EQ(error.where, "job.yaml:4");
    EXPECT_THAT(error.what, HasSubstr("contradicts resources.gpusPerNode (4)"));
    auto cpu = parse_job_spec("data: {path: d.h5}\nresources: {nodes: 2, processesPerNode: 3}\n",
                              "job.yaml");
    ASSERT_TRUE(cpu.ok()) << cpu.error().message();
    EXPECT_EQ(cpu->resources.world_size(), 6);
}

TEST(SpecInfrastructureTest, OverridesReachTheNewSections) {
    auto result = parse_job_spec(kInfraSpec, "job.yaml",
                                 {{"resources.nodes", "2"}, {"kubernetes.target", "mpijob"},
                                  {"kubernetes.env", "{A: b}"}});
    ASSERT_TRUE(result.ok()) << result.error().message();
    EXPECT_EQ(result->resources.nodes, 2);
    EXPECT_EQ(result->kubernetes.target, RenderTarget::kMpiJob);
    EXPECT_EQ(result->kubernetes.env.size(), 1u);
    Error error = spec_failure(kInfraSpec, {{"resources.memory", "16GB"}});
    EXPECT_EQ(error.where, "--set resources.memory");
    EXPECT_THAT(error.hint, HasSubstr("16Gi"));
}

TEST(QuantityTest, ParsesWhatTheApiServerAccepts) {
    struct Case {
        const char* text;
        double value;
    };
    for (const Case& c : {Case{"4", 4}, Case{"500m", 0.5}, Case{"16Gi", 16.0 * (1u << 30)},
                          Case{"1.5G", 1.5e9}, Case{"2e3", 2000}, Case{"1Ki", 1024},
                          Case{"100k", 1e5}, Case{"3E", 3e18}, Case{"+2", 2}, Case{".5", 0.5}}) {
        auto parsed = parse_quantity(c.text);
        ASSERT_TRUE(parsed.has_value()) << c.text;
        EXPECT_DOUBLE_EQ(*parsed, c.value) << c.text;
    }
    for (const char* bad : {"", "16Gb", "16GB", "gi", "1.2.3", "16 Gi", "Mi", "1e", "."}) {
        EXPECT_FALSE(parse_quantity(bad).has_value()) << bad;
    }
    EXPECT_THAT(quantity_hint("16Gb"), HasSubstr("'16Gi'"));
    EXPECT_THAT(quantity_hint("16Gb"), HasSubstr("'16G'"));
    EXPECT_EQ(format_bytes(16.0 * (1u << 30)), "16 GiB");
    EXPECT_EQ(format_bytes(1536.0 * (1u << 20)), "1.5 GiB");
}

TEST(SpecReferenceTest, ListsEveryKeyWithTypeAndDefault) {
    const std::string table = spec_reference_markdown();
    for (const char* row : {
             "| `data.path` | string | **required** |",
             "| `train.epochs` | int >= 1 | `10` |",
             "| `model.activation` | relu \\| gelu \\| tanh | `relu` |",
             "| `model.hidden` | list of int >= 1 | `[256, 256]` |",
             "| `resources.gpusPerNode` | int >= 0 | `0` |",
             "| `resources.memory` | string | `16Gi` |",
             "| `resources.tolerations[].operator` | Equal \\| Exists | `Equal` |",
             "| `kubernetes.volumes[].mountPath` | string | **required** |",
             "| `kubernetes.target` | indexed-job \\| jobset \\| mpijob | `indexed-job` |",
             "| `export.max_batch_size` | int >= 1 | `64` |",
         }) {
        EXPECT_THAT(table, HasSubstr(row));
    }
}

// docs/launcher.md holds the generated reference between two markers; regenerate it with
// `build/bin/slipway-launch spec-reference --write docs/launcher.md`.
TEST(SpecReferenceTest, DocsMatchTheParser) {
    std::ifstream in(SLIPWAY_SOURCE_DIR "/docs/launcher.md");
    ASSERT_TRUE(in) << "docs/launcher.md is missing";
    std::stringstream text;
    text << in.rdbuf();
    const std::string doc = text.str();
    const std::string begin = "<!-- spec-reference:begin -->\n";
    const std::string end = "<!-- spec-reference:end -->";
    const size_t from = doc.find(begin);
    const size_t to = doc.find(end);
    ASSERT_NE(from, std::string::npos);
    ASSERT_NE(to, std::string::npos);
    EXPECT_EQ(doc.substr(from + begin.size(), to - from - begin.size()), spec_reference_markdown())
        << "docs/launcher.md is out of date: run build/bin/slipway-launch spec-reference "
           "--write docs/launcher.md";
}

}  // namespace
}  // namespace slipway
