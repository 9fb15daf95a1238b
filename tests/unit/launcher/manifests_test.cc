// render/manifests: every object of each kubernetes.target, in apply order.
#include "render/manifests.h"

#include <functional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "launcher_test_util.h"
#include "render/failure_policy.h"
#include "render/job_layout.h"
#include "render/pod_template.h"

namespace slipway::render {
namespace {

using launcher_test::kCpuSpec;
using launcher_test::kGpuSpec;
using launcher_test::must_parse;
using launcher_test::parse_yaml;
using launcher_test::parse_yaml_documents;
using launcher_test::with_kubernetes;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const char* const kCron = "  schedule: \"0 3 * * *\"\n";

std::vector<Manifest> render(const std::string& yaml,
                             const std::vector<SpecOverride>& overrides = {}) {
    auto manifests = render_manifests(must_parse(yaml, overrides), overrides);
    if (!manifests.ok()) {
        ADD_FAILURE() << manifests.error().message();
        return {};
    }
    return *manifests;
}

const Value& find(const std::vector<Manifest>& manifests, const std::string& kind) {
    for (const Manifest& m : manifests) {
        if (m.kind == kind) return m.object;
    }
    ADD_FAILURE() << "no " << kind;
    static const Value none;
    return none;
}

std::vector<std::string> kinds_and_names(const std::vector<Manifest>& manifests) {
    std::vector<std::string> out;
    for (const Manifest& m : manifests) out.push_back(m.kind + "/" + m.name);
    return out;
}

// Every pod template in a workload object, wherever the target nests it.
std::vector<const Value*> pod_templates(const Value& workload) {
    const std::string kind = workload.get("kind")->as_string();
    if (kind == "Job") return {workload.at_path("spec.template")};
    if (kind == "CronJob") return {workload.at_path("spec.jobTemplate.spec.template")};
    if (kind == "JobSet") {
        return {workload.at_path("spec.replicatedJobs")->as_list()[0].at_path(
            "template.spec.template")};
    }
    return {workload.at_path("spec.mpiReplicaSpecs.Launcher.template"),
            workload.at_path("spec.mpiReplicaSpecs.Worker.template")};
}

// The Job spec that carries the pods (Job, CronJob's jobTemplate, JobSet's replicated job).
const Value* job_spec_of(const Value& workload) {
    const std::string kind = workload.get("kind")->as_string();
    if (kind == "Job") return workload.get("spec");
    if (kind == "CronJob") return workload.at_path("spec.jobTemplate.spec");
    if (kind == "JobSet") {
        return workload.at_path("spec.replicatedJobs")->as_list()[0].at_path("template.spec");
    }
    return nullptr;
}

bool selects(const Value& match_labels, const Value& labels) {
    for (const auto& [key, value] : match_labels.as_map()) {
        const Value* label = labels.get(key);
        if (!label || !(*label == value)) return false;
    }
    return !match_labels.as_map().empty();
}

void visit(const Value& value, const std::function<void(const Value&)>& f) {
    f(value);
    if (value.is_map()) {
        for (const auto& [key, child] : value.as_map()) visit(child, f);
    } else if (value.is_list()) {
        for (const Value& child : value.as_list()) visit(child, f);
    }
}

struct TargetCase {
    const char* name;
    std::string yaml;
    std::vector<std::string> objects;
    std::vector<std::string> files;
};

void PrintTo(const TargetCase& c, std::ostream* os) { *os << c.name; }

class TargetTest : public testing::TestWithParam<TargetCase> {};

TEST_P(TargetTest, ObjectsInApplyOrderWithFileNames) {
    const std::vector<Manifest> manifests = render(GetParam().yaml);
    EXPECT_EQ(kinds_and_names(manifests), GetParam().objects);
    std::vector<std::string> files;
    for (size_t i = 0; i < manifests.size(); ++i) {
        files.push_back(manifest_file_name(i, manifests[i]));
        // The Manifest's kind and name are the object's own.
        EXPECT_EQ(Value(manifests[i].kind), *manifests[i].object.get("kind"));
        EXPECT_EQ(Value(manifests[i].name), *manifests[i].object.at_path("metadata.name"));
    }
    EXPECT_EQ(files, GetParam().files);
}

TEST_P(TargetTest, RenderingIsDeterministicAndReadsBack) {
    const std::string first = to_yaml_stream(render(GetParam().yaml));
    const std::string second = to_yaml_stream(render(GetParam().yaml));
    EXPECT_EQ(first, second);
    std::vector<Value> objects;
    for (const Manifest& m : render(GetParam().yaml)) objects.push_back(m.object);
    EXPECT_EQ(parse_yaml_documents(first), objects);
}

TEST_P(TargetTest, EveryObjectIsInTheSpecsNamespaceWithStandardLabels) {
    const JobSpec spec = must_parse(GetParam().yaml);
    for (const Manifest& m : render(GetParam().yaml)) {
        EXPECT_EQ(*m.object.at_path("metadata.namespace"), Value(spec.kubernetes.namespace_name));
        const Value& labels = *m.object.at_path("metadata.labels");
        EXPECT_EQ(*labels.get("app.kubernetes.io/instance"), Value(spec.name)) << m.kind;
        EXPECT_EQ(*labels.get("app.kubernetes.io/managed-by"), Value("slipway-launch"));
    }
}

TEST_P(TargetTest, PodsAreHardenedAndNeverRestartInPlace) {
    const std::vector<Manifest> manifests = render(GetParam().yaml);
    for (const Value* pod : pod_templates(manifests.back().object)) {
        ASSERT_NE(pod, nullptr);
        EXPECT_EQ(*pod->at_path("spec.restartPolicy"), Value("Never"));
        const Value& container = pod->at_path("spec.containers")->as_list().at(0);
        EXPECT_EQ(*container.at_path("securityContext.runAsNonRoot"), Value(true));
        EXPECT_EQ(*container.at_path("securityContext.runAsUser"), Value(10001));
        EXPECT_EQ(*container.at_path("securityContext.readOnlyRootFilesystem"), Value(true));
        EXPECT_EQ(*container.at_path("securityContext.capabilities.drop"),
                  Value::list({"ALL"}));
        EXPECT_EQ(*container.at_path("securityContext.seccompProfile.type"),
                  Value("RuntimeDefault"));
        EXPECT_EQ(*pod->at_path("spec.securityContext.seccompProfile.type"),
                  Value("RuntimeDefault"));
    }
}

TEST_P(TargetTest, NetworkPolicySelectsEveryPodOfTheJobAndAdmitsOnlyThem) {
    const std::vector<Manifest> manifests = render(GetParam().yaml);
    const Value& policy = find(manifests, "NetworkPolicy");
    const Value& selector = *policy.at_path("spec.podSelector.matchLabels");
    EXPECT_EQ(*policy.at_path("spec.policyTypes"), Value::list({"Ingress"}));
    EXPECT_EQ(*policy.at_path("spec.ingress"),
              Value::list({Value::map({{"from", Value::list({Value::map({
                  {"podSelector", Value::map({{"matchLabels", selector}})}})})}})}));
    for (const Value* pod : pod_templates(manifests.back().object)) {
        EXPECT_TRUE(selects(selector, *pod->at_path("metadata.labels")))
            << to_yaml(*pod->at_path("metadata.labels"));
    }
}

TEST_P(TargetTest, JobTokenIsAMountedSecretNeverASecretKeyRef) {
    const bool has_token = GetParam().yaml.find("jobTokenSecret:") != std::string::npos;
    const std::string yaml =
        has_token ? GetParam().yaml : with_kubernetes(GetParam().yaml, "  jobTokenSecret: tok\n");
    const std::string secret = must_parse(yaml).kubernetes.job_token_secret;
    ASSERT_FALSE(secret.empty());
    const std::vector<Manifest> manifests = render(yaml);
    auto contains = [](const Value& list, const Value& item) {
        for (const Value& entry : list.as_list()) {
            if (entry == item) return true;
        }
        return false;
    };
    for (const Value* pod : pod_templates(manifests.back().object)) {
        const Value& container = pod->at_path("spec.containers")->as_list()[0];
        EXPECT_TRUE(contains(*pod->at_path("spec.volumes"),
                             Value::map({{"name", "job-token"},
                                         {"secret", Value::map({{"secretName", secret},
                                                                {"defaultMode", 0440}})}})))
            << to_yaml(*pod->at_path("spec.volumes"));
        EXPECT_TRUE(contains(*container.get("volumeMounts"),
                             Value::map({{"name", "job-token"},
                                         {"mountPath", "/var/run/secrets/slipway"},
                                         {"readOnly", true}})));
        EXPECT_TRUE(contains(*container.get("env"),
                             Value::map({{"name", "SLIPWAY_JOB_TOKEN_FILE"},
                                         {"value", "/var/run/secrets/slipway/token"}})));
    }
    for (const Manifest& m : manifests) {
        visit(m.object, [&](const Value& v) {
            EXPECT_EQ(v.get("secretKeyRef"), nullptr) << m.kind;
        });
    }
}

TEST_P(TargetTest, SpecOverridesReachTheRanksButNotTheConfigMap) {
    const std::vector<SpecOverride> overrides = {{"train.epochs", "3"}};
    const std::vector<Manifest> manifests = render(GetParam().yaml, overrides);
    EXPECT_EQ(*find(manifests, "ConfigMap").at_path("data")->get("job.yaml"), Value(GetParam().yaml))
        << "the ConfigMap holds the file as written";
    for (const Value* pod : pod_templates(manifests.back().object)) {
        const Value& command = *pod->at_path("spec.containers")->as_list()[0].get("command");
        const auto& args = command.as_list();
        if (args[0] == Value("/usr/sbin/sshd")) continue;  // MPIJob workers
        ASSERT_GE(args.size(), 3u);
        EXPECT_EQ(args[args.size() - 3], Value("/etc/slipway/job.yaml"));
        EXPECT_EQ(args[args.size() - 2], Value("--set"));
        EXPECT_EQ(args[args.size() - 1], Value("train.epochs=3"));
    }
}

// Kubernetes expands $(VAR) and $$ in a container's command: a value with '$' reaches
// slipway-train as given only when every '$' is doubled.
TEST_P(TargetTest, DollarSignsInOverridesAreEscapedForKubernetes) {
    const std::vector<SpecOverride> overrides = {{"checkpoint.dir", "/ckpt/$(HOME)/a$b"}};
    const std::vector<Manifest> manifests = render(GetParam().yaml, overrides);
    for (const Value* pod : pod_templates(manifests.back().object)) {
        const auto& args = pod->at_path("spec.containers")->as_list()[0].get("command")->as_list();
        if (args[0] == Value("/usr/sbin/sshd")) continue;
        EXPECT_EQ(args.back(), Value("checkpoint.dir=/ckpt/$$(HOME)/a$$b"));
    }
}

// Kubernetes labels set in the spec must not take over the labels the Service, the
// NetworkPolicy and the anti-affinity select the pods by.
TEST_P(TargetTest, SpecLabelsCannotUnselectThePods) {
    const std::string labels =
        "    app.kubernetes.io/instance: other\n    app.kubernetes.io/component: x\n";
    std::string yaml = GetParam().yaml;
    const size_t at = yaml.find("  labels:\n");
    if (at == std::string::npos) {
        yaml = with_kubernetes(yaml, "  labels:\n" + labels);
    } else {
        yaml.insert(at + 10, labels);
    }
    auto spec = parse_job_spec(yaml, "job.yaml");
    if (!spec.ok()) return;  // rejecting the keys is fine too
    auto manifests = render_manifests(*spec, {});
    ASSERT_TRUE(manifests.ok());
    const Value& selector = *find(*manifests, "NetworkPolicy").at_path("spec.podSelector.matchLabels");
    for (const Value* pod : pod_templates(manifests->back().object)) {
        EXPECT_TRUE(selects(selector, *pod->at_path("metadata.labels")))
            << to_yaml(*pod->at_path("metadata.labels"));
    }
}

const std::string kGpuJobSet = with_kubernetes(kGpuSpec, "  target: jobset\n");
const std::string kGpuMpiJob = with_kubernetes(kGpuSpec, "  target: mpijob\n");
const std::string kCpuCron = with_kubernetes(kCpuSpec, kCron);

INSTANTIATE_TEST_SUITE_P(
    Targets, TargetTest,
    testing::Values(
        TargetCase{"CpuIndexedJob", kCpuSpec,
                   {"ConfigMap/mnist-spec", "NetworkPolicy/mnist", "Service/mnist", "Job/mnist"},
                   {"00-configmap-mnist-spec.yaml", "10-networkpolicy-mnist.yaml",
                    "20-service-mnist.yaml", "30-job-mnist.yaml"}},
        TargetCase{"GpuIndexedJob", kGpuSpec,
                   {"ConfigMap/llm-spec", "NetworkPolicy/llm", "Service/llm", "Job/llm"},
                   {"00-configmap-llm-spec.yaml", "10-networkpolicy-llm.yaml",
                    "20-service-llm.yaml", "30-job-llm.yaml"}},
        TargetCase{"CpuCronJob", kCpuCron,
                   {"ConfigMap/mnist-spec", "NetworkPolicy/mnist", "Service/mnist",
                    "CronJob/mnist"},
                   {"00-configmap-mnist-spec.yaml", "10-networkpolicy-mnist.yaml",
                    "20-service-mnist.yaml", "30-cronjob-mnist.yaml"}},
        TargetCase{"GpuJobSet", kGpuJobSet,
                   {"ConfigMap/llm-spec", "NetworkPolicy/llm", "JobSet/llm"},
                   {"00-configmap-llm-spec.yaml", "10-networkpolicy-llm.yaml",
                    "20-jobset-llm.yaml"}},
        TargetCase{"GpuMpiJob", kGpuMpiJob,
                   {"ConfigMap/llm-spec", "NetworkPolicy/llm", "MPIJob/llm"},
                   {"00-configmap-llm-spec.yaml", "10-networkpolicy-llm.yaml",
                    "20-mpijob-llm.yaml"}}),
    [](const testing::TestParamInfo<TargetCase>& info) { return std::string(info.param.name); });

TEST(ManifestsTest, ConfigMapHoldsTheSpecTextVerbatim) {
    const std::string yaml = std::string("# a comment first\n") + kCpuSpec + "\n\n";
    const std::vector<Manifest> manifests = render(yaml);
    const Value& config_map = find(manifests, "ConfigMap");
    EXPECT_EQ(*config_map.get("apiVersion"), Value("v1"));
    EXPECT_EQ(*config_map.get("data"), Value::map({{"job.yaml", yaml}}));
    // Through YAML text, byte for byte, and the pods' parser reads the same spec back.
    const Value read_back = parse_yaml_documents(to_yaml_stream(manifests)).at(0);
    // (at_path cannot name "job.yaml": its dot separates keys.)
    ASSERT_TRUE(read_back.at_path("data")->get("job.yaml")) << to_yaml_stream(manifests);
    const std::string text = read_back.at_path("data")->get("job.yaml")->as_string();
    EXPECT_EQ(text, yaml);
    EXPECT_EQ(must_parse(text).name, "mnist");
}

TEST(ManifestsTest, HeadlessServiceForTheIndexedJobPods) {
    const std::vector<Manifest> manifests = render(kGpuSpec);
    const Value& service = find(manifests, "Service");
    EXPECT_EQ(*service.get("spec"), parse_yaml(R"(
clusterIP: None
publishNotReadyAddresses: true
selector:
  app.kubernetes.io/instance: llm
  app.kubernetes.io/component: trainer
ports:
- {name: rendezvous, port: 23456, targetPort: 23456, protocol: TCP}
)"));
    const Value& pod = *find(manifests, "Job").at_path("spec.template");
    EXPECT_TRUE(selects(*service.at_path("spec.selector"), *pod.at_path("metadata.labels")));
    // The pods' subdomain is the Service: <pod hostname>.<service> resolves.
    EXPECT_EQ(*pod.at_path("spec.subdomain"), *service.at_path("metadata.name"));
}

TEST(ManifestsTest, CronJobServiceSelectsTheCronJobsPods) {
    const std::vector<Manifest> manifests = render(kCpuCron);
    const Value& pod = *find(manifests, "CronJob").at_path("spec.jobTemplate.spec.template");
    EXPECT_TRUE(selects(*find(manifests, "Service").at_path("spec.selector"),
                        *pod.at_path("metadata.labels")));
    EXPECT_EQ(*pod.at_path("spec.subdomain"), Value("mnist"));
}

TEST(ManifestsTest, IndexedJob) {
    const JobSpec spec = must_parse(kCpuSpec);
    const std::vector<Manifest> manifests = render(kCpuSpec);
    const Value& job = find(manifests, "Job");
    EXPECT_EQ(*job.get("apiVersion"), Value("batch/v1"));
    EXPECT_EQ(job.at_path("metadata.labels")->get("kueue.x-k8s.io/queue-name"), nullptr);
    Value expected_spec = parse_yaml(R"(
completionMode: Indexed
completions: 2
parallelism: 2
backoffLimit: 3
activeDeadlineSeconds: 604800
podFailurePolicy: null
podReplacementPolicy: Failed
template: null
ttlSecondsAfterFinished: 86400
)");
    expected_spec.set("podFailurePolicy", pod_failure_policy("trainer"));
    expected_spec.set("template", pod_template(spec, *make_layout(spec, {}), PodRole::kTrainer));
    EXPECT_EQ(*job.get("spec"), expected_spec);
}

TEST(ManifestsTest, QueuedIndexedJobIsSuspendedAndLabelled) {
    const std::vector<Manifest> manifests = render(kGpuSpec);
    const Value& job = find(manifests, "Job");
    EXPECT_EQ(*job.at_path("metadata.labels")->get("kueue.x-k8s.io/queue-name"), Value("team-a"));
    EXPECT_EQ(*job.at_path("spec.suspend"), Value(true));
    EXPECT_EQ(*job.at_path("spec.completions"), Value(4));
    EXPECT_EQ(*job.at_path("spec.parallelism"), Value(4));
    EXPECT_EQ(*job.at_path("spec.backoffLimit"), Value(4));
    EXPECT_EQ(job.at_path("spec.template.metadata.labels")->get("kueue.x-k8s.io/queue-name"),
              nullptr);
    // Not queued: no suspend at all (the Job starts at once).
    EXPECT_EQ(find(render(kCpuSpec), "Job").at_path("spec.suspend"), nullptr);
}

TEST(ManifestsTest, PodFailurePolicyNamesTheContainerOfTheTemplate) {
    for (const std::string& yaml : {std::string(kGpuSpec), kCpuCron, kGpuJobSet}) {
        const std::vector<Manifest> manifests = render(yaml);
        const Value* job_spec = job_spec_of(manifests.back().object);
        ASSERT_NE(job_spec, nullptr);
        const Value& container = job_spec->at_path("template.spec.containers")->as_list()[0];
        EXPECT_EQ(*job_spec->get("podFailurePolicy"),
                  pod_failure_policy(container.get("name")->as_string()));
        EXPECT_EQ(*container.get("name"), Value("trainer"));
        EXPECT_EQ(*job_spec->get("completionMode"), Value("Indexed"));
        EXPECT_EQ(*job_spec->get("podReplacementPolicy"), Value("Failed"));
        EXPECT_EQ(*job_spec->get("completions"), *job_spec->get("parallelism"));
    }
}

TEST(ManifestsTest, NoActiveDeadlineWhenZero) {
    const std::vector<Manifest> manifests =
        render(with_kubernetes(kCpuSpec, "  activeDeadlineSeconds: 0\n"));
    const Value& job = find(manifests, "Job");
    EXPECT_EQ(job.at_path("spec.activeDeadlineSeconds"), nullptr);
}

TEST(ManifestsTest, CronJob) {
    const std::string yaml = with_kubernetes(kCpuSpec, std::string(kCron) + "  queue: cpu\n");
    const std::vector<Manifest> manifests = render(yaml);
    const Value& cron = find(manifests, "CronJob");
    EXPECT_EQ(*cron.get("apiVersion"), Value("batch/v1"));
    EXPECT_EQ(*cron.at_path("spec.schedule"), Value("0 3 * * *"));
    EXPECT_EQ(*cron.at_path("spec.concurrencyPolicy"), Value("Forbid"));
    // Kueue manages the Jobs the CronJob creates: the label goes on the job template.
    EXPECT_EQ(*cron.at_path("spec.jobTemplate.metadata.labels")->get("kueue.x-k8s.io/queue-name"),
              Value("cpu"));
    EXPECT_EQ(cron.at_path("metadata.labels")->get("kueue.x-k8s.io/queue-name"), nullptr);
    EXPECT_EQ(*cron.at_path("spec.jobTemplate.spec.suspend"), Value(true));
    EXPECT_EQ(*cron.at_path("spec.jobTemplate.spec.completions"), Value(2));
    const Value& container =
        cron.at_path("spec.jobTemplate.spec.template.spec.containers")->as_list()[0];
    const std::string env = to_yaml(*container.get("env"));
    EXPECT_THAT(env, HasSubstr("- name: JOB_NAME\n  valueFrom:\n    fieldRef:\n      fieldPath: "
                               "metadata.labels['batch.kubernetes.io/job-name']\n"));
    EXPECT_THAT(env, HasSubstr("- name: MASTER_ADDR\n  value: $(JOB_NAME)-0.mnist\n"));
}

TEST(ManifestsTest, JobSet) {
    const std::vector<Manifest> manifests = render(kGpuJobSet);
    const Value& set = find(manifests, "JobSet");
    EXPECT_EQ(*set.get("apiVersion"), Value("jobset.x-k8s.io/v1alpha2"));
    EXPECT_EQ(*set.at_path("metadata.labels")->get("kueue.x-k8s.io/queue-name"), Value("team-a"));
    EXPECT_EQ(*set.at_path("spec.suspend"), Value(true));
    EXPECT_EQ(*set.at_path("spec.network"),
              Value::map({{"enableDNSHostnames", true},
                          {"publishNotReadyAddresses", true},
                          {"subdomain", "llm"}}));
    EXPECT_EQ(*set.at_path("spec.failurePolicy"), parse_yaml(R"(
maxRestarts: 4
rules:
- name: fail-on-permanent-errors
  action: FailJobSet
  onJobFailureReasons: [PodFailurePolicy, DeadlineExceeded]
)"));
    const Value& replicated = set.at_path("spec.replicatedJobs")->as_list().at(0);
    EXPECT_EQ(*replicated.get("name"), Value("workers"));
    EXPECT_EQ(*replicated.get("replicas"), Value(1));
    const Value& job = *replicated.at_path("template.spec");
    EXPECT_EQ(*job.get("completions"), Value(4));
    EXPECT_EQ(*job.get("parallelism"), Value(4));
    EXPECT_EQ(*job.get("backoffLimit"), Value(0));
    EXPECT_EQ(job.get("suspend"), nullptr) << "JobSet suspends the whole set, not its Jobs";
    const std::string pod = to_yaml(*job.get("template"));
    EXPECT_THAT(pod, HasSubstr("    - name: MASTER_ADDR\n      value: llm-workers-0-0.llm\n"));
    EXPECT_THAT(pod, HasSubstr("    - name: WORLD_SIZE\n      value: \"32\"\n"));
}

TEST(ManifestsTest, MpiJob) {
    const std::vector<Manifest> manifests = render(kGpuMpiJob);
    const Value& mpi = find(manifests, "MPIJob");
    EXPECT_EQ(*mpi.get("apiVersion"), Value("kubeflow.org/v2beta1"));
    EXPECT_EQ(*mpi.at_path("metadata.labels")->get("kueue.x-k8s.io/queue-name"), Value("team-a"));
    EXPECT_EQ(*mpi.at_path("spec.slotsPerWorker"), Value(8));
    EXPECT_EQ(*mpi.at_path("spec.runPolicy"), parse_yaml(R"(
cleanPodPolicy: Running
backoffLimit: 4
activeDeadlineSeconds: 604800
ttlSecondsAfterFinished: 86400
suspend: true
schedulingPolicy: {queue: team-a, priorityClass: training-high}
)"));
    EXPECT_EQ(*mpi.at_path("spec.mpiReplicaSpecs.Launcher.replicas"), Value(1));
    EXPECT_EQ(*mpi.at_path("spec.mpiReplicaSpecs.Worker.replicas"), Value(4));
    EXPECT_EQ(*mpi.at_path("spec.mpiReplicaSpecs.Worker.restartPolicy"), Value("Never"));
    const Value& worker = mpi.at_path("spec.mpiReplicaSpecs.Worker.template.spec.containers")
                              ->as_list()[0];
    EXPECT_EQ(*worker.at_path("resources.limits")->get("nvidia.com/gpu"), Value("8"));
    const Value& launcher =
        mpi.at_path("spec.mpiReplicaSpecs.Launcher.template.spec.containers")->as_list()[0];
    EXPECT_EQ(launcher.at_path("resources.limits")->get("nvidia.com/gpu"), nullptr);
    // Not queued, no priority class: no schedulingPolicy, no suspend.
    const std::vector<Manifest> plain_manifests =
        render(with_kubernetes(kCpuSpec, "  target: mpijob\n"));
    const Value& plain = find(plain_manifests, "MPIJob");
    EXPECT_EQ(plain.at_path("spec.runPolicy.schedulingPolicy"), nullptr);
    EXPECT_EQ(plain.at_path("spec.runPolicy.suspend"), nullptr);
}

TEST(ManifestsTest, NoImageIsABadSpecWithAHint) {
    std::string yaml = kCpuSpec;
    yaml.replace(yaml.find("image: "), yaml.find('\n', yaml.find("image: ")) + 1 -
                                           yaml.find("image: "), "");
    const JobSpec spec = must_parse(yaml);
    ASSERT_TRUE(spec.image.empty());
    auto manifests = render_manifests(spec, {});
    ASSERT_FALSE(manifests.ok());
    EXPECT_EQ(manifests.error().code, ExitCode::kBadSpec);
    EXPECT_EQ(manifests.error().where, "the spec");  // parsed from text: no file to name
    EXPECT_THAT(manifests.error().what, HasSubstr("image"));
    EXPECT_THAT(manifests.error().hint, HasSubstr("--set image="));
    JobSpec from_file = spec;
    from_file.source_path = "configs/job.yaml";
    EXPECT_EQ(render_manifests(from_file, {}).error().where, "configs/job.yaml");
}

TEST(ManifestsTest, JobSetNameThatMakesHostnamesTooLong) {
    const std::string ok_name(51, 'a');  // 51 + "-workers-0-3" = 63
    const std::string long_name(52, 'a');
    auto spec_named = [](const std::string& name) {
        std::string yaml = with_kubernetes(kCpuSpec, "  target: jobset\n");
        yaml.replace(0, yaml.find('\n'), "name: " + name);
        std::string out = yaml;
        out.replace(out.find("nodes: 2"), 8, "nodes: 4");
        return must_parse(out);
    };
    EXPECT_TRUE(render_manifests(spec_named(ok_name), {}).ok());
    auto manifests = render_manifests(spec_named(long_name), {});
    ASSERT_FALSE(manifests.ok());
    EXPECT_EQ(manifests.error().code, ExitCode::kBadSpec);
    EXPECT_THAT(manifests.error().what, HasSubstr("63 characters"));
    EXPECT_THAT(manifests.error().what, HasSubstr(long_name + "-workers-0-3"));
    EXPECT_THAT(manifests.error().hint, HasSubstr("at most 51 characters"));
}

TEST(ManifestsTest, MpiJobNameThatMakesHostnamesTooLong) {
    JobSpec spec = must_parse(with_kubernetes(kCpuSpec, "  target: mpijob\n"));
    spec.name = std::string(55, 'b');  // + "-worker-1" = 64
    auto manifests = render_manifests(spec, {});
    ASSERT_FALSE(manifests.ok());
    EXPECT_EQ(manifests.error().code, ExitCode::kBadSpec);
    EXPECT_THAT(manifests.error().what, HasSubstr("63 characters"));
    spec.name = std::string(54, 'b');
    EXPECT_TRUE(render_manifests(spec, {}).ok());
}

TEST(ManifestsTest, FileNamesNumberInTensAndLowercaseTheKind) {
    Manifest m{"NetworkPolicy", "x", Value::map()};
    EXPECT_EQ(manifest_file_name(0, m), "00-networkpolicy-x.yaml");
    EXPECT_EQ(manifest_file_name(7, m), "70-networkpolicy-x.yaml");
    EXPECT_EQ(manifest_file_name(12, m), "120-networkpolicy-x.yaml");
}

TEST(ManifestsTest, StreamSeparatesDocuments) {
    const std::vector<Manifest> manifests = render(kCpuSpec);
    const std::string stream = to_yaml_stream(manifests);
    EXPECT_EQ(stream.rfind("apiVersion: v1\nkind: ConfigMap\n", 0), 0u) << stream;
    size_t separators = 0;
    for (size_t at = stream.find("\n---\n"); at != std::string::npos;
         at = stream.find("\n---\n", at + 1)) {
        ++separators;
    }
    EXPECT_EQ(separators, manifests.size() - 1);
}

}  // namespace
}  // namespace slipway::render
