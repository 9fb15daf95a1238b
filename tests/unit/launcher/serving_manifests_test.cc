// The serving objects of `slipway-launch render --serving`: probes, drain timing, HPA metrics,
// PDB, Ingress TLS, the model repository, KServe fields, monitoring, and the spec's serving
// errors.
#include "render/serving_manifests.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "launcher_test_util.h"
#include "render/kserve.h"
#include "render/monitoring.h"
#include "render/serving_deployment.h"

namespace slipway::launcher_test {
namespace {

using render::ServingLayout;

// kCpuSpec with a serving section appended.
std::string serving_spec(const std::string& lines) {
    return std::string(kCpuSpec) +
           "serving:\n  image: registry.example.com/slipway-serve:0.1.0\n"
           "  repository:\n    pvc: models\n" +
           lines;
}

ServingLayout layout_of(const JobSpec& spec) {
    auto layout = render::make_serving_layout(spec);
    EXPECT_TRUE(layout.ok()) << (layout.ok() ? "" : layout.error().message());
    return layout.ok() ? *layout : ServingLayout{};
}

Value container_of(const Value& deployment) {
    return deployment.at_path("spec.template.spec.containers")->as_list()[0];
}

std::string error_of(const std::string& yaml) {
    auto spec = parse_job_spec(yaml, "job.yaml");
    EXPECT_FALSE(spec.ok()) << "parsed:\n" << yaml;
    return spec.ok() ? "" : spec.error().message();
}

TEST(ServingDeployment, ProbesCheckReadinessAndLivenessOnTheirEndpoints) {
    const JobSpec spec = must_parse(serving_spec("  probes:\n    startupSeconds: 301\n"));
    const Value deployment = render::serving_deployment(spec, layout_of(spec));
    const Value container = container_of(deployment);
    EXPECT_EQ(*container.at_path("startupProbe.httpGet.path"), Value("/ready"));
    EXPECT_EQ(*container.at_path("readinessProbe.httpGet.path"), Value("/ready"));
    EXPECT_EQ(*container.at_path("livenessProbe.httpGet.path"), Value("/health"));
    EXPECT_EQ(*container.at_path("livenessProbe.httpGet.port"), Value("http"));
    // 301 s of model load at one probe per 5 s: 61 failures before the kubelet gives up.
    EXPECT_EQ(*container.at_path("startupProbe.failureThreshold"), Value(61));
    EXPECT_EQ(*container.at_path("startupProbe.periodSeconds"), Value(5));
    EXPECT_EQ(*container.at_path("readinessProbe.failureThreshold"), Value(2));
    EXPECT_EQ(*container.at_path("livenessProbe.periodSeconds"), Value(10));
    EXPECT_EQ(*container.at_path("livenessProbe.failureThreshold"), Value(3));
    EXPECT_EQ(container.get("ports")->as_list()[0],
              Value::map({{"name", "http"}, {"containerPort", 8000}, {"protocol", "TCP"}}));
    // Rollouts never drop capacity; the template's labels are what the selector matches.
    EXPECT_EQ(*deployment.at_path("spec.strategy.rollingUpdate.maxUnavailable"), Value(0));
    EXPECT_EQ(*deployment.at_path("spec.progressDeadlineSeconds"), Value(600));
}

TEST(ServingDeployment, GracePeriodCoversPreStopAndDrain) {
    const JobSpec spec = must_parse(serving_spec("  preStopSeconds: 7\n  drainSeconds: 40\n"));
    const ServingLayout layout = layout_of(spec);
    const Value deployment = render::serving_deployment(spec, layout);
    EXPECT_EQ(*deployment.at_path("spec.template.spec.terminationGracePeriodSeconds"),
              Value(int64_t{7 + 40 + render::kDrainMarginSeconds}));
    const Value container = container_of(deployment);
    EXPECT_EQ(*container.at_path("lifecycle.preStop.exec.command"), Value::list({"sleep", "7"}));
    const Value& args = *container.get("args");
    const auto& list = args.as_list();
    auto at = std::find(list.begin(), list.end(), Value("--drain-seconds"));
    ASSERT_NE(at, list.end());
    EXPECT_EQ(*(at + 1), Value("40"));
}

TEST(ServingDeployment, NoPreStopHookWhenItsTimeIsZero) {
    const JobSpec spec = must_parse(serving_spec("  preStopSeconds: 0\n"));
    const Value deployment = render::serving_deployment(spec, layout_of(spec));
    EXPECT_EQ(container_of(deployment).get("lifecycle"), nullptr);
    EXPECT_EQ(*deployment.at_path("spec.template.spec.terminationGracePeriodSeconds"),
              Value(int64_t{20 + render::kDrainMarginSeconds}));
}

TEST(ServingDeployment, CommandLineFollowsTheSpec) {
    const JobSpec spec = must_parse(
        serving_spec("  port: 9000\n  model:\n    name: fashion\n    version: 3\n  resources:\n"
                     "    cpu: 2500m\n    memory: 3Gi\n"));
    const ServingLayout layout = layout_of(spec);
    EXPECT_EQ(render::serve_command(spec, layout),
              (std::vector<std::string>{"slipway-serve", "--repository", "/models", "--model",
                                        "fashion", "--version", "3", "--host", "0.0.0.0", "--port",
                                        "9000", "--threads", "2", "--drain-seconds", "20"}));
    const Value container = container_of(render::serving_deployment(spec, layout));
    const Value amounts = Value::map({{"cpu", "2500m"}, {"memory", "3Gi"}});
    EXPECT_EQ(*container.get("resources"),
              Value::map({{"limits", amounts}, {"requests", amounts}}));
    EXPECT_EQ(*container.at_path("securityContext.readOnlyRootFilesystem"), Value(true));
    EXPECT_EQ(*container.at_path("securityContext.runAsUser"), Value(10001));
}

TEST(ServingDeployment, ModelRepositoryFromThePvcTheJobExportsTo) {
    const std::string yaml = with_kubernetes(
        std::string(kCpuSpec) +
            "export:\n  repository: /shared/repo/prod\n  name: fm\n"
            "serving:\n  image: serve:1\n",
        "  volumes:\n    - name: shared\n      mountPath: /shared/\n      pvc: team-share\n");
    const JobSpec spec = must_parse(yaml);
    const ServingLayout layout = layout_of(spec);
    EXPECT_EQ(layout.pvc, "team-share");
    EXPECT_EQ(layout.sub_path, "repo/prod");
    EXPECT_EQ(layout.model_name, "fm");
    const Value container = container_of(render::serving_deployment(spec, layout));
    EXPECT_EQ(*container.at_path("volumeMounts"),
              Value::list({Value::map({{"name", "models"},
                                       {"mountPath", "/models"},
                                       {"readOnly", true},
                                       {"subPath", "repo/prod"}})}));
}

TEST(ServingDeployment, ModelRepositoryFetchedByAnInitContainer) {
    const JobSpec spec = must_parse(std::string(kCpuSpec) +
                                    "serving:\n  image: serve:1\n  repository:\n"
                                    "    url: https://models.example.com/fm.tar.gz\n");
    const Value pod =
        *render::serving_deployment(spec, layout_of(spec)).at_path("spec.template.spec");
    const Value& init = pod.get("initContainers")->as_list()[0];
    EXPECT_EQ(*init.get("image"), Value("curlimages/curl:8.10.1"));
    EXPECT_EQ(
        init.get("env")->as_list()[0],
        Value::map({{"name", "MODEL_URL"}, {"value", "https://models.example.com/fm.tar.gz"}}));
    EXPECT_EQ(*init.at_path("securityContext.allowPrivilegeEscalation"), Value(false));
    EXPECT_EQ(pod.get("volumes")->as_list()[0],
              Value::map({{"name", "models"}, {"emptyDir", Value::map({{"sizeLimit", "2Gi"}})}}));
}

TEST(ServingDeployment, NoRepositoryIsAnError) {
    const JobSpec spec = must_parse(std::string(kCpuSpec) + "serving:\n  image: serve:1\n");
    auto layout = render::make_serving_layout(spec);
    ASSERT_FALSE(layout.ok());
    EXPECT_NE(layout.error().message().find("serving.repository is not set"), std::string::npos);
}

TEST(ServingDeployment, SpreadsAcrossZonesAndNodes) {
    const JobSpec spec = must_parse(serving_spec(""));
    const ServingLayout layout = layout_of(spec);
    const Value deployment = render::serving_deployment(spec, layout);
    const Value& spread = *deployment.at_path("spec.template.spec.topologySpreadConstraints");
    ASSERT_EQ(spread.as_list().size(), 2u);
    EXPECT_EQ(*spread.as_list()[0].get("topologyKey"), Value("topology.kubernetes.io/zone"));
    EXPECT_EQ(*spread.as_list()[1].get("topologyKey"), Value("kubernetes.io/hostname"));
    EXPECT_EQ(*spread.as_list()[1].get("whenUnsatisfiable"), Value("DoNotSchedule"));
    EXPECT_EQ(*spread.as_list()[1].at_path("labelSelector.matchLabels"),
              render::serving_selector(layout));
}

TEST(ServingAutoscaler, CpuAloneOrWithRequestsPerSecond) {
    JobSpec spec = must_parse(
        serving_spec("  autoscaling:\n    enabled: true\n    minReplicas: 3\n    maxReplicas: 9\n"
                     "    targetCPUPercent: 55\n"));
    ServingLayout layout = layout_of(spec);
    Value hpa = render::serving_autoscaler(spec, layout);
    EXPECT_EQ(*hpa.at_path("spec.minReplicas"), Value(3));
    EXPECT_EQ(*hpa.at_path("spec.maxReplicas"), Value(9));
    EXPECT_EQ(*hpa.at_path("spec.scaleTargetRef.name"), Value("mnist-serve"));
    ASSERT_EQ(hpa.at_path("spec.metrics")->as_list().size(), 1u);
    EXPECT_EQ(
        *hpa.at_path("spec.metrics")->as_list()[0].at_path("resource.target.averageUtilization"),
        Value(55));
    // The HPA owns the replica count: the Deployment leaves it out.
    EXPECT_EQ(render::serving_deployment(spec, layout).at_path("spec.replicas"), nullptr);

    spec =
        must_parse(serving_spec("  autoscaling:\n    enabled: true\n    requestsPerSecond: 250\n"
                                "    metricsAdapter: prometheus-adapter\n"));
    hpa = render::serving_autoscaler(spec, layout_of(spec));
    const Value& pods = hpa.at_path("spec.metrics")->as_list()[1];
    EXPECT_EQ(*pods.get("type"), Value("Pods"));
    EXPECT_EQ(*pods.at_path("pods.metric.name"), Value("slipway_serve_requests_per_second"));
    EXPECT_EQ(*pods.at_path("pods.target"),
              Value::map({{"type", "AverageValue"}, {"averageValue", "250"}}));
}

TEST(ServingManifests, ObjectsFollowTheSpec) {
    auto kinds = [](const std::string& yaml) {
        std::vector<std::string> out;
        auto manifests = render::render_serving_manifests(must_parse(yaml));
        EXPECT_TRUE(manifests.ok());
        if (manifests.ok()) {
            for (const auto& m : *manifests) out.push_back(m.kind);
        }
        return out;
    };
    EXPECT_EQ(
        kinds(serving_spec("")),
        (std::vector<std::string>{"NetworkPolicy", "Service", "Deployment", "PodDisruptionBudget",
                                  "ServiceMonitor", "PrometheusRule"}));
    EXPECT_EQ(kinds(serving_spec("  disruptionBudget:\n    minAvailable: 0\n  autoscaling:\n"
                                 "    enabled: true\n  ingress:\n    host: a.example.com\n"
                                 "    tlsSecret: a-tls\n")),
              (std::vector<std::string>{"NetworkPolicy", "Service", "Deployment",
                                        "HorizontalPodAutoscaler", "Ingress", "ServiceMonitor",
                                        "PrometheusRule"}));
    EXPECT_EQ(kinds(serving_spec("  runtime: kserve\n")),
              (std::vector<std::string>{"InferenceService", "PrometheusRule"}));
}

TEST(ServingDisruptionBudget, KeepsMinAvailableOfTheServingPods) {
    const JobSpec spec =
        must_parse(serving_spec("  replicas: 4\n  disruptionBudget:\n"
                                "    minAvailable: 3\n"));
    const ServingLayout layout = layout_of(spec);
    const Value pdb = render::serving_disruption_budget(spec, layout);
    EXPECT_EQ(*pdb.at_path("spec.minAvailable"), Value(3));
    EXPECT_EQ(*pdb.at_path("spec.selector.matchLabels"), render::serving_selector(layout));
    EXPECT_EQ(*pdb.at_path("spec.unhealthyPodEvictionPolicy"), Value("AlwaysAllow"));
    EXPECT_EQ(*render::serving_deployment(spec, layout).at_path("spec.replicas"), Value(4));
}

TEST(ServingIngress, TerminatesTlsForTheHost) {
    const JobSpec spec = must_parse(serving_spec(
        "  ingress:\n    host: fm.example.com\n    tlsSecret: fm-tls\n    className: nginx\n"));
    const Value ingress = render::serving_ingress(spec, layout_of(spec));
    EXPECT_EQ(*ingress.at_path("spec.ingressClassName"), Value("nginx"));
    EXPECT_EQ(*ingress.at_path("spec.tls"),
              Value::list({Value::map(
                  {{"hosts", Value::list({"fm.example.com"})}, {"secretName", "fm-tls"}})}));
    const Value& rule = ingress.at_path("spec.rules")->as_list()[0];
    EXPECT_EQ(*rule.get("host"), Value("fm.example.com"));
    const Value& path = rule.at_path("http.paths")->as_list()[0];
    EXPECT_EQ(*path.at_path("backend.service"),
              Value::map({{"name", "mnist-serve"}, {"port", Value::map({{"name", "http"}})}}));
}

TEST(ServingKServe, InferenceServiceServesOnnxOnTriton) {
    const JobSpec spec = must_parse(std::string(kCpuSpec) +
                                    "serving:\n  runtime: kserve\n  repository:\n"
                                    "    pvc: models\n    subPath: prod/repo\n  resources:\n"
                                    "    gpus: 1\n  autoscaling:\n    enabled: true\n"
                                    "    minReplicas: 2\n    maxReplicas: 5\n");
    const Value isvc = render::inference_service(spec, layout_of(spec));
    EXPECT_EQ(*isvc.get("apiVersion"), Value("serving.kserve.io/v1beta1"));
    EXPECT_EQ(*isvc.at_path("metadata.annotations"),
              Value::map({{"serving.kserve.io/deploymentMode", "RawDeployment"},
                          {"serving.kserve.io/autoscalerClass", "hpa"}}));
    const Value& predictor = *isvc.at_path("spec.predictor");
    EXPECT_EQ(*predictor.get("minReplicas"), Value(2));
    EXPECT_EQ(*predictor.get("maxReplicas"), Value(5));
    EXPECT_EQ(*predictor.at_path("model.modelFormat"), Value::map({{"name", "onnx"}}));
    EXPECT_EQ(*predictor.at_path("model.runtime"), Value("kserve-tritonserver"));
    EXPECT_EQ(*predictor.at_path("model.protocolVersion"), Value("v2"));
    EXPECT_EQ(*predictor.at_path("model.storageUri"), Value("pvc://models/prod/repo"));
    EXPECT_EQ(*predictor.at_path("model.resources.limits")->get("nvidia.com/gpu"), Value("1"));
    EXPECT_EQ(
        predictor.get("tolerations")->as_list()[0],
        Value::map({{"key", "nvidia.com/gpu"}, {"operator", "Exists"}, {"effect", "NoSchedule"}}));
    // No slipway-serve image needed for KServe: Triton comes with the runtime.
    EXPECT_TRUE(spec.serving.image.empty());
}

TEST(ServingKServe, FetchedRepositoryIsTheStorageUri) {
    const JobSpec spec = must_parse(std::string(kCpuSpec) +
                                    "serving:\n  runtime: kserve\n  repository:\n"
                                    "    url: https://m.example.com/r.tar.gz\n");
    const ServingLayout layout = layout_of(spec);
    EXPECT_EQ(render::kserve_storage_uri(layout), "https://m.example.com/r.tar.gz");
    const Value isvc = render::inference_service(spec, layout);
    EXPECT_EQ(isvc.at_path("spec.predictor.model.args"), nullptr);  // a snapshot: no polling
    EXPECT_EQ(*isvc.at_path("spec.predictor.minReplicas"), Value(2));
    EXPECT_EQ(*isvc.at_path("spec.predictor.maxReplicas"), Value(2));
}

TEST(ServingMonitoring, TrainingJobNamesPerTarget) {
    JobSpec spec = must_parse(kCpuSpec);
    EXPECT_EQ(render::training_job_name_regex(spec), "mnist");
    spec.kubernetes.schedule = "@daily";
    EXPECT_EQ(render::training_job_name_regex(spec), "mnist-[0-9]+");
    spec.kubernetes.schedule.clear();
    spec.kubernetes.target = RenderTarget::kJobSet;
    EXPECT_EQ(render::training_job_name_regex(spec), "mnist-workers-[0-9]+");
    spec.kubernetes.target = RenderTarget::kMpiJob;
    EXPECT_EQ(render::training_job_name_regex(spec), "mnist-launcher");
    EXPECT_EQ(render::prometheus_duration(300), "5m");
    EXPECT_EQ(render::prometheus_duration(90), "90s");
}

TEST(ServingMonitoring, ScrapesTheServicePortAndRestoresTheEndpointLabel) {
    const JobSpec spec = must_parse(serving_spec(""));
    const ServingLayout layout = layout_of(spec);
    const Value monitor = render::service_monitor(spec, layout);
    const Value& endpoint = monitor.at_path("spec.endpoints")->as_list()[0];
    EXPECT_EQ(*endpoint.get("port"), Value("http"));
    EXPECT_EQ(*endpoint.get("path"), Value("/metrics"));
    EXPECT_EQ(*endpoint.get("interval"), Value("15s"));
    EXPECT_EQ(*endpoint.get("metricRelabelings")->as_list()[0].get("targetLabel"),
              Value("endpoint"));
    const Value rule = render::prometheus_rule(spec, layout);
    const auto& groups = rule.at_path("spec.groups")->as_list();
    ASSERT_EQ(groups.size(), 2u);
    const std::string expr = groups[0].get("rules")->as_list()[0].get("expr")->as_string();
    EXPECT_NE(expr.find("service=\"mnist-serve\""), std::string::npos) << expr;
    EXPECT_NE(expr.find(") > 0.02"), std::string::npos) << expr;
}

TEST(ServingSpec, RulesBetweenKeysNameFileLineAndKey) {
    EXPECT_NE(error_of(serving_spec("  resources:\n    gpus: 1\n"))
                  .find("job.yaml:15: serving.resources.gpus needs serving.runtime: kserve"),
              std::string::npos);
    EXPECT_NE(error_of(serving_spec("  runtime: kserve\n  model:\n    version: 2\n"))
                  .find("job.yaml:16: serving.model.version cannot be pinned"),
              std::string::npos);
    const std::string no_repository = std::string(kCpuSpec) + "serving:\n  repository:\n";
    EXPECT_NE(error_of(no_repository + "    pvc: m\n    url: https://x.example.com/r.tgz\n")
                  .find("serving.repository sets both pvc and url"),
              std::string::npos);
    EXPECT_NE(error_of(serving_spec("  replicas: 2\n  disruptionBudget:\n    minAvailable: 2\n"))
                  .find("job.yaml:16: serving.disruptionBudget.minAvailable (2) must be below "
                        "the replicas (2)"),
              std::string::npos);
    EXPECT_NE(error_of(serving_spec("  autoscaling:\n    metricsAdapter: prometheus-adapter\n"))
                  .find("metricsAdapter is set but requestsPerSecond is 0"),
              std::string::npos);
    EXPECT_NE(error_of(serving_spec("  ingress:\n    tlsSecret: x-tls\n"))
                  .find("job.yaml:15: serving.ingress sets tlsSecret or className but no host"),
              std::string::npos);
    EXPECT_NE(error_of(serving_spec("  probes:\n    startupSeconds: 2\n"))
                  .find("serving.probes.startupSeconds (2) is shorter"),
              std::string::npos);
    EXPECT_NE(error_of(no_repository + "    pvc: m\n    subPath: ../etc\n")
                  .find("serving.repository.subPath must be a relative path without '..'"),
              std::string::npos);
    EXPECT_NE(error_of(serving_spec("  replica: 3\n")).find("did you mean 'replicas'"),
              std::string::npos);
}

TEST(ServingSpec, ImageAndNameAreCheckedWhenRendering) {
    JobSpec spec = must_parse(std::string(kCpuSpec) + "serving:\n  repository:\n    pvc: m\n");
    auto layout = render::make_serving_layout(spec);
    ASSERT_FALSE(layout.ok());
    EXPECT_NE(layout.error().message().find("serving.image is not set"), std::string::npos);
    spec.serving.image = "serve:1";
    spec.name = "9lives";
    layout = render::make_serving_layout(spec);
    ASSERT_FALSE(layout.ok());
    EXPECT_NE(layout.error().message().find("a Service name starts with a letter"),
              std::string::npos);
}

}  // namespace
}  // namespace slipway::launcher_test
