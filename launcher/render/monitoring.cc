#include "render/monitoring.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "render/job_layout.h"

namespace slipway::render {
namespace {

// Requests that run the model; metadata and health checks would dilute the ratios.
constexpr const char* kInferenceEndpoints = "endpoint=~\"predict|v2_infer\"";

std::string shortest(double value) {
    char buffer[32];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

struct Alert {
    std::string name;
    std::string expr;
    int64_t for_seconds = 0;
    std::string severity;
    std::string summary;
    std::string description;
};

Value alert_rule(const JobSpec& spec, const Alert& alert) {
    Value rule = Value::map({{"alert", alert.name}, {"expr", alert.expr}});
    if (alert.for_seconds > 0) rule.set("for", prometheus_duration(alert.for_seconds));
    rule.set("labels", Value::map({{"severity", alert.severity}}));
    rule.set("annotations", Value::map({
        {"summary", alert.summary},
        {"description", alert.description},
        {"runbook_url", spec.serving.monitoring.runbook_url + "#" + lower(alert.name)},
    }));
    return rule;
}

std::vector<Alert> serving_alerts(const JobSpec& spec, const ServingLayout& layout) {
    const ServingMonitoring& mon = spec.serving.monitoring;
    const std::string target =
        "namespace=\"" + layout.namespace_name + "\",service=\"" + layout.name + "\"";
    const std::string deployment =
        "namespace=\"" + layout.namespace_name + "\",deployment=\"" + layout.name + "\"";
    const std::string requests = "slipway_serve_requests_total{" + target + "," +
                                 kInferenceEndpoints;
    return {
        {"SlipwayServeErrorRatioHigh",
         "(\n  sum by (namespace, service) (rate(" + requests + ",code=~\"5..|429\"}[5m]))\n"
         "/\n  sum by (namespace, service) (rate(" + requests + "}[5m]))\n) > " +
             shortest(mon.error_ratio),
         300, "critical", "{{ $labels.service }} fails {{ $value | humanizePercentage }} of "
                          "inference requests",
         "More than " + shortest(std::round(mon.error_ratio * 1e6) / 1e4) + "% of /predict and v2 infer requests "
         "to {{ $labels.namespace }}/{{ $labels.service }} got a 5xx or 429 for 5 minutes."},
        {"SlipwayServeLatencyP99High",
         "histogram_quantile(0.99,\n  sum by (namespace, service, le) (rate("
         "slipway_serve_request_duration_seconds_bucket{" + target + "," +
             kInferenceEndpoints + "}[5m]))\n) > " + shortest(mon.p99_latency_seconds),
         600, "warning", "{{ $labels.service }} p99 inference latency is {{ $value | "
                         "humanizeDuration }}",
         "The 99th percentile of inference latency of {{ $labels.namespace }}/"
         "{{ $labels.service }} stayed above " + shortest(mon.p99_latency_seconds) +
             " s for 10 minutes."},
        {"SlipwayServeNoReadyReplicas",
         "kube_deployment_status_replicas_available{" + deployment + "} == 0\n"
         "and on (namespace, deployment)\nkube_deployment_spec_replicas{" + deployment +
             "} > 0",
         // A first rollout loads the model for up to startupSeconds before any replica is
         // Ready; only a longer outage is one.
         std::max<int64_t>(120, spec.serving.probes.startup_seconds), "critical",
         "{{ $labels.deployment }} has no ready replica",
         "No replica of {{ $labels.namespace }}/{{ $labels.deployment }} has been available "
         "for longer than a model load may take: the service answers nothing."},
        {"SlipwayServeModelReloadFailed",
         "sum by (namespace, service, pod) (increase(slipway_serve_model_reloads_total{" +
             target + ",result=\"failure\"}[15m])) > 0",
         0, "warning", "{{ $labels.pod }} refused a new model version",
         "slipway-serve in {{ $labels.pod }} could not load a new version of its model and "
         "keeps serving the previous one; the new version is never retried."},
    };
}

std::vector<Alert> training_alerts(const JobSpec& spec) {
    const std::string jobs = "namespace=\"" + spec.kubernetes.namespace_name +
                             "\",job_name=~\"" + training_job_name_regex(spec) + "\"";
    return {
        {"SlipwayTrainingJobFailed",
         "sum by (namespace, job_name) (kube_job_failed{" + jobs + ",condition=\"true\"}) > 0",
         0, "critical", "training Job {{ $labels.job_name }} failed",
         "The training Job {{ $labels.namespace }}/{{ $labels.job_name }} has the Failed "
         "condition: a permanent error (exit 2, 3, 4, 11), its backoffLimit or its deadline. "
         "No new model version will come from it."},
        {"SlipwayTrainingJobRestarted",
         "sum by (namespace, job_name) (delta(kube_job_status_failed{" + jobs + "}[15m])) > 0\n"
         "unless on (namespace, job_name)\n(kube_job_failed{" + jobs +
             ",condition=\"true\"} > 0)",
         0, "warning", "training Job {{ $labels.job_name }} restarted a pod",
         "A pod of the training Job {{ $labels.namespace }}/{{ $labels.job_name }} failed in "
         "the last 15 minutes and was replaced; the job resumes from its last checkpoint."},
    };
}

Value group(const JobSpec& spec, const std::string& name, const std::vector<Alert>& alerts) {
    Value rules = Value::list();
    for (const Alert& alert : alerts) rules.push(alert_rule(spec, alert));
    return Value::map({{"name", name}, {"rules", rules}});
}

}  // namespace

std::string prometheus_duration(int64_t seconds) {
    return seconds % 60 == 0 ? std::to_string(seconds / 60) + "m"
                             : std::to_string(seconds) + "s";
}

std::string training_job_name_regex(const JobSpec& spec) {
    switch (spec.kubernetes.target) {
        case RenderTarget::kIndexedJob:
            return spec.kubernetes.schedule.empty() ? spec.name : spec.name + "-[0-9]+";
        case RenderTarget::kJobSet:
            return spec.name + "-" + kReplicatedJobName + "-[0-9]+";
        case RenderTarget::kMpiJob:
            return spec.name + "-launcher";
    }
    return spec.name;
}

Value service_monitor(const JobSpec& spec, const ServingLayout& layout) {
    const int interval = spec.serving.monitoring.scrape_interval_seconds;
    return Value::map({
        {"apiVersion", "monitoring.coreos.com/v1"},
        {"kind", "ServiceMonitor"},
        {"metadata", serving_metadata(spec, layout)},
        {"spec", Value::map({
            {"selector", Value::map({{"matchLabels", serving_selector(layout)}})},
            {"namespaceSelector",
             Value::map({{"matchNames", Value::list({layout.namespace_name})}})},
            {"endpoints", Value::list({Value::map({
                {"port", kServePortName},
                {"path", "/metrics"},
                {"interval", prometheus_duration(interval)},
                {"scrapeTimeout", prometheus_duration(std::min(interval, 10))},
                {"metricRelabelings", Value::list({
                    Value::map({{"sourceLabels", Value::list({"exported_endpoint"})},
                                {"regex", "(.+)"},
                                {"targetLabel", "endpoint"},
                                {"replacement", "$1"},
                                {"action", "replace"}}),
                    Value::map({{"regex", "exported_endpoint"}, {"action", "labeldrop"}}),
                })},
            })})},
        })},
    });
}

Value prometheus_rule(const JobSpec& spec, const ServingLayout& layout) {
    Value groups = Value::list();
    if (spec.serving.runtime == ServingRuntime::kSlipway) {
        groups.push(group(spec, "slipway-serve." + layout.name, serving_alerts(spec, layout)));
    }
    groups.push(group(spec, "slipway-train." + spec.name, training_alerts(spec)));
    return Value::map({
        {"apiVersion", "monitoring.coreos.com/v1"},
        {"kind", "PrometheusRule"},
        {"metadata", serving_metadata(spec, layout)},
        {"spec", Value::map({{"groups", groups}})},
    });
}

}  // namespace slipway::render
