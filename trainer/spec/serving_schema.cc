#include "spec/serving_schema.h"

#include <span>

#include "spec/enum_names.h"

namespace slipway {
namespace {

using schema::Field;
using schema::Range;

inline constexpr EnumName<ServingRuntime> kServingRuntimeNames[] = {
    {ServingRuntime::kSlipway, "slipway"}, {ServingRuntime::kKServe, "kserve"}};
inline constexpr EnumName<MetricsAdapter> kMetricsAdapterNames[] = {
    {MetricsAdapter::kNone, "none"}, {MetricsAdapter::kPrometheusAdapter, "prometheus-adapter"}};

template <class E>
const char* name_in(std::span<const EnumName<E>> names, E value) {
    for (const auto& entry : names) {
        if (entry.value == value) return entry.name;
    }
    return "?";
}

bool is_http_url(const std::string& text) {
    for (const std::string scheme : {"http://", "https://"}) {
        if (text.rfind(scheme, 0) == 0) {
            return text.size() > scheme.size() && text[scheme.size()] != '/' &&
                   text.find_first_of(" \t\r\n") == std::string::npos;
        }
    }
    return false;
}

// A relative path inside a volume: no leading '/', no '..' component.
bool is_relative_sub_path(const std::string& text) {
    if (text.empty()) return true;
    if (text.front() == '/') return false;
    size_t start = 0;
    while (start <= text.size()) {
        const size_t slash = text.find('/', start);
        const std::string part = text.substr(start, slash - start);
        if (part == "..") return false;
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    return true;
}

Status error_at(const schema::Reader& reader, const std::string& source_name,
                const std::string& key, std::string what, std::string hint = {}) {
    return spec_error(reader.where_of(key).value_or(source_name), std::move(what),
                      std::move(hint));
}

// The fewest replicas the service runs with: the HPA's floor, or the fixed count.
int least_replicas(const ServingSpec& serving) {
    return serving.autoscaling.enabled ? serving.autoscaling.min_replicas : serving.replicas;
}

Status check_repository(const ServingSpec& serving, const schema::Reader& reader,
                        const std::string& source) {
    const ServingRepository& repo = serving.repository;
    if (!repo.pvc.empty() && !repo.url.empty()) {
        return error_at(reader, source, "serving.repository.url",
                        "serving.repository sets both pvc and url; it takes one source",
                        "serve from the PVC the training exports to, or fetch a .tar.gz by URL");
    }
    if (!repo.sub_path.empty() && repo.pvc.empty()) {
        return error_at(reader, source, "serving.repository.subPath",
                        "serving.repository.subPath needs serving.repository.pvc",
                        "subPath is a folder of the PVC");
    }
    return Status::success();
}

Status check_autoscaling(const ServingSpec& serving, const schema::Reader& reader,
                         const std::string& source) {
    const ServingAutoscaling& hpa = serving.autoscaling;
    if (hpa.enabled && hpa.min_replicas > hpa.max_replicas) {
        return error_at(reader, source, "serving.autoscaling.maxReplicas",
                        "serving.autoscaling.maxReplicas (" + std::to_string(hpa.max_replicas) +
                            ") is below minReplicas (" + std::to_string(hpa.min_replicas) + ")",
                        "raise maxReplicas or lower minReplicas");
    }
    const bool adapter = hpa.metrics_adapter != MetricsAdapter::kNone;
    if (hpa.requests_per_second > 0 && !adapter) {
        return error_at(reader, source, "serving.autoscaling.requestsPerSecond",
                        "serving.autoscaling.requestsPerSecond needs a metrics adapter",
                        "set serving.autoscaling.metricsAdapter: prometheus-adapter (the HPA "
                        "reads per-pod request rates through the custom metrics API)");
    }
    if (adapter && hpa.requests_per_second == 0) {
        return error_at(reader, source, "serving.autoscaling.metricsAdapter",
                        "serving.autoscaling.metricsAdapter is set but requestsPerSecond is 0",
                        "set requestsPerSecond (per replica), or drop metricsAdapter");
    }
    return Status::success();
}

Status check_runtime(const ServingSpec& serving, const schema::Reader& reader,
                     const std::string& source) {
    if (serving.runtime == ServingRuntime::kSlipway && serving.resources.gpus > 0) {
        return error_at(reader, source, "serving.resources.gpus",
                        "serving.resources.gpus needs serving.runtime: kserve; slipway-serve "
                        "runs the forward pass on CPUs",
                        "use runtime kserve (Triton uses the GPUs), or remove gpus");
    }
    if (serving.runtime == ServingRuntime::kKServe && serving.model.version > 0) {
        return error_at(reader, source, "serving.model.version",
                        "serving.model.version cannot be pinned with serving.runtime: kserve",
                        "Triton serves the versions config.pbtxt's version_policy names "
                        "(the newest by default); remove version or use runtime slipway");
    }
    return Status::success();
}

Status check_probes(const ServingSpec& serving, const schema::Reader& reader,
                    const std::string& source) {
    const ServingProbes& probes = serving.probes;
    if (probes.timeout_seconds > probes.period_seconds ||
        probes.timeout_seconds > probes.liveness_period_seconds) {
        return error_at(reader, source, "serving.probes.timeoutSeconds",
                        "serving.probes.timeoutSeconds (" +
                            std::to_string(probes.timeout_seconds) +
                            ") is longer than a probe period",
                        "a probe that may outlast its period overlaps the next one");
    }
    if (probes.startup_seconds < probes.period_seconds) {
        return error_at(reader, source, "serving.probes.startupSeconds",
                        "serving.probes.startupSeconds (" +
                            std::to_string(probes.startup_seconds) +
                            ") is shorter than serving.probes.periodSeconds",
                        "startupSeconds is the time a model load may take");
    }
    return Status::success();
}

}  // namespace

const char* to_string(ServingRuntime value) {
    return name_in<ServingRuntime>(kServingRuntimeNames, value);
}
const char* to_string(MetricsAdapter value) {
    return name_in<MetricsAdapter>(kMetricsAdapterNames, value);
}

Field serving_schema(ServingSpec& serving, const ServingRules& rules) {
    ServingResources& res = serving.resources;
    ServingRepository& repo = serving.repository;
    ServingAutoscaling& hpa = serving.autoscaling;
    ServingProbes& probes = serving.probes;
    ServingMonitoring& mon = serving.monitoring;
    return schema::map_field("serving", {
        schema::enum_field<ServingRuntime>("runtime", &serving.runtime, kServingRuntimeNames)
            .describe("slipway: a Deployment running slipway-serve; kserve: a KServe "
                      "InferenceService (ONNX on Triton); `render --serving --runtime` wins"),
        schema::string_field("image", &serving.image)
            .describe("slipway-serve's image (docker/Dockerfile.serve builds it); render "
                      "--serving needs it with runtime slipway"),
        schema::int_field("replicas", &serving.replicas, Range::at_least(1))
            .describe("replicas without autoscaling"),
        schema::int_field("port", &serving.port, Range{1024, 65535})
            .describe("slipway-serve's --port; the Service maps port 80 to it"),
        schema::int_field("threads", &serving.threads, Range{0, 1024})
            .describe("slipway-serve's --threads (0: the CPU limit rounded down, at least 1)"),
        schema::int_field("preStopSeconds", &serving.pre_stop_seconds, Range{0, 120})
            .describe("preStop sleep before SIGTERM, so endpoints drop the pod before it "
                      "stops taking requests"),
        schema::int_field("drainSeconds", &serving.drain_seconds, Range{0, 3600})
            .describe("slipway-serve's --drain-seconds; terminationGracePeriodSeconds = "
                      "preStopSeconds + drainSeconds + 5"),
        schema::map_field("resources", {
            schema::string_field("cpu", &res.cpu, rules.quantity)
                .describe("CPU per replica, requests = limits; the HPA's CPU target is a "
                          "percentage of it"),
            schema::string_field("memory", &res.memory, rules.quantity)
                .describe("memory per replica, requests = limits"),
            schema::int_field("gpus", &res.gpus, Range{0, 16})
                .describe("nvidia.com/gpu per replica; runtime kserve only (Triton)"),
        }),
        schema::map_field("model", {
            schema::string_field("name", &serving.model.name, {
                    [label = rules.dns_label.accepts](const std::string& s) {
                        return s.empty() || label(s);
                    },
                    "must be a DNS-1123 label", "lowercase letters, digits and '-'", {}})
                .with_default("\"\" (export.name, else the job's name)")
                .describe("model folder in the repository (slipway-serve --model)"),
            schema::int64_field("version", &serving.model.version, Range::at_least(0))
                .describe("serve this version only (--version; 0: the newest, and newer ones "
                          "as they appear)"),
        }),
        schema::map_field("repository", {
            schema::string_field("pvc", &repo.pvc, rules.dns_subdomain)
                .with_default("\"\" (the PVC of export.repository)")
                .describe("PersistentVolumeClaim holding the model repository, mounted "
                          "read-only; default: the kubernetes.volumes PVC that export."
                          "repository lies on"),
            schema::string_field("subPath", &repo.sub_path,
                                 {is_relative_sub_path, "must be a relative path without '..'",
                                  "e.g. models/fashion-mnist", {}})
                .describe("folder of the PVC that is the repository (\"\": its root)"),
            schema::string_field("url", &repo.url,
                                 {[](const std::string& s) { return s.empty() || is_http_url(s); },
                                  "must be an http:// or https:// URL",
                                  "e.g. https://models.example.com/fashion-mnist.tar.gz", {}})
                .describe("instead of pvc: a .tar.gz of the repository that an initContainer "
                          "fetches into an emptyDir (KServe: the storageUri)"),
            schema::string_field("fetchImage", &repo.fetch_image)
                .describe("image of the fetch initContainer (needs sh, curl and tar)"),
            schema::string_field("sizeLimit", &repo.size_limit, rules.quantity)
                .describe("size limit of the emptyDir a fetched repository goes to"),
        }),
        schema::map_field("autoscaling", {
            schema::bool_field("enabled", &hpa.enabled)
                .describe("a HorizontalPodAutoscaler (autoscaling/v2) owns the replica count"),
            schema::int_field("minReplicas", &hpa.min_replicas, Range::at_least(1))
                .describe("the HPA's floor (and the PDB's reference)"),
            schema::int_field("maxReplicas", &hpa.max_replicas, Range::at_least(1))
                .describe("the HPA's ceiling; >= minReplicas"),
            schema::int_field("targetCPUPercent", &hpa.target_cpu_percent, Range{1, 100})
                .describe("average CPU use, in percent of the request, the HPA keeps"),
            schema::int_field("requestsPerSecond", &hpa.requests_per_second, Range::at_least(0))
                .describe("average inference requests per second per replica the HPA keeps "
                          "(0: CPU only); needs metricsAdapter"),
            schema::enum_field<MetricsAdapter>("metricsAdapter", &hpa.metrics_adapter,
                                               kMetricsAdapterNames)
                .describe("what serves slipway_serve_requests_per_second to the custom "
                          "metrics API; docs/deploy.md has the prometheus-adapter rule"),
        }),
        schema::map_field("disruptionBudget", {
            schema::int_field("minAvailable", &serving.min_available, Range::at_least(0))
                .describe("PodDisruptionBudget: replicas kept through node drains (0: no "
                          "budget); below the least replica count"),
        }),
        schema::map_field("ingress", {
            schema::string_field("host", &serving.ingress.host, rules.dns_subdomain)
                .describe("an Ingress for this host name (\"\": none); needs tlsSecret"),
            schema::string_field("tlsSecret", &serving.ingress.tls_secret, rules.dns_subdomain)
                .describe("kubernetes.io/tls Secret with the host's certificate"),
            schema::string_field("className", &serving.ingress.class_name, rules.dns_subdomain)
                .describe("IngressClass (\"\": the cluster's default)"),
        }),
        schema::map_field("probes", {
            schema::int_field("periodSeconds", &probes.period_seconds, Range{1, 60})
                .describe("startup and readiness probes on /ready"),
            schema::int_field("timeoutSeconds", &probes.timeout_seconds, Range{1, 60})
                .describe("every probe; at most a period"),
            schema::int_field("startupSeconds", &probes.startup_seconds, Range{1, 3600})
                .describe("longest model load: the startup probe fails the container only "
                          "after this long"),
            schema::int_field("readinessFailureThreshold", &probes.readiness_failure_threshold,
                              Range{1, 10})
                .describe("failed /ready probes before the pod leaves the Service"),
            schema::int_field("livenessPeriodSeconds", &probes.liveness_period_seconds,
                              Range{1, 300})
                .describe("liveness probe on /health"),
            schema::int_field("livenessFailureThreshold", &probes.liveness_failure_threshold,
                              Range{1, 10})
                .describe("failed /health probes before the kubelet restarts the container"),
        }),
        schema::map_field("monitoring", {
            schema::double_field("errorRatio", &mon.error_ratio, Range::open_closed(0, 1))
                .describe("alert when this share of inference requests fails (5xx, 429) for "
                          "5 minutes"),
            schema::double_field("p99LatencySeconds", &mon.p99_latency_seconds, Range::above(0))
                .describe("alert when the p99 inference latency stays above this for 10 "
                          "minutes"),
            schema::int_field("scrapeIntervalSeconds", &mon.scrape_interval_seconds,
                              Range{5, 300})
                .describe("ServiceMonitor scrape interval"),
            schema::string_field("runbookUrl", &mon.runbook_url)
                .describe("runbook_url of the alerts (+ #<alert name>); point it at where "
                          "docs/deploy.md is published"),
        }),
    });
}

Status check_serving(const JobSpec& spec, const schema::Reader& reader,
                     const std::string& source_name) {
    const ServingSpec& serving = spec.serving;
    SLIPWAY_RETURN_IF_ERROR(check_runtime(serving, reader, source_name));
    SLIPWAY_RETURN_IF_ERROR(check_repository(serving, reader, source_name));
    SLIPWAY_RETURN_IF_ERROR(check_autoscaling(serving, reader, source_name));
    SLIPWAY_RETURN_IF_ERROR(check_probes(serving, reader, source_name));
    const int least = least_replicas(serving);
    if (serving.min_available > 0 && serving.min_available >= least) {
        return error_at(reader, source_name, "serving.disruptionBudget.minAvailable",
                        "serving.disruptionBudget.minAvailable (" +
                            std::to_string(serving.min_available) + ") must be below the " +
                            (serving.autoscaling.enabled ? "autoscaling.minReplicas"
                                                         : "replicas") +
                            " (" + std::to_string(least) + ")",
                        "otherwise no replica may ever be evicted and node drains hang");
    }
    const ServingIngress& ingress = serving.ingress;
    if (!ingress.host.empty() && ingress.tls_secret.empty()) {
        return error_at(reader, source_name, "serving.ingress.host",
                        "serving.ingress.host needs serving.ingress.tlsSecret",
                        "predictions leave the cluster: serve them over TLS");
    }
    if (ingress.host.empty() && (!ingress.tls_secret.empty() || !ingress.class_name.empty())) {
        return error_at(reader, source_name,
                        ingress.tls_secret.empty() ? "serving.ingress.className"
                                                   : "serving.ingress.tlsSecret",
                        "serving.ingress sets tlsSecret or className but no host",
                        "set serving.ingress.host");
    }
    return Status::success();
}

}  // namespace slipway
