#include "render/serving_manifests.h"

#include "render/kserve.h"
#include "render/monitoring.h"
#include "render/serving_deployment.h"

namespace slipway::render {
namespace {

Value object(const char* api_version, const char* kind, Value metadata, Value spec) {
    return Value::map({{"apiVersion", api_version},
                       {"kind", kind},
                       {"metadata", std::move(metadata)},
                       {"spec", std::move(spec)}});
}

Manifest manifest_of(Value value) {
    const std::string kind = value.get("kind")->as_string();
    const std::string name = value.at_path("metadata.name")->as_string();
    return Manifest{kind, name, std::move(value)};
}

Value scaling_policy(const char* type, int value, int period_seconds) {
    return Value::map({{"type", type}, {"value", value}, {"periodSeconds", period_seconds}});
}

}  // namespace

Value serving_service(const JobSpec& spec, const ServingLayout& layout) {
    return object("v1", "Service", serving_metadata(spec, layout), Value::map({
        {"type", "ClusterIP"},
        {"selector", serving_selector(layout)},
        {"ports", Value::list({Value::map({{"name", kServePortName},
                                           {"port", kServiceHttpPort},
                                           {"targetPort", kServePortName},
                                           {"protocol", "TCP"},
                                           {"appProtocol", "http"}})})},
    }));
}

Value serving_autoscaler(const JobSpec& spec, const ServingLayout& layout) {
    const ServingAutoscaling& hpa = spec.serving.autoscaling;
    Value metrics = Value::list({Value::map({
        {"type", "Resource"},
        {"resource", Value::map({{"name", "cpu"},
                                 {"target", Value::map({{"type", "Utilization"},
                                                        {"averageUtilization",
                                                         hpa.target_cpu_percent}})}})},
    })});
    if (hpa.requests_per_second > 0) {
        // Served to the custom metrics API by the metrics adapter (docs/deploy.md); the HPA
        // takes whichever metric asks for more replicas.
        metrics.push(Value::map({
            {"type", "Pods"},
            {"pods", Value::map({
                {"metric", Value::map({{"name", kRequestsPerSecondMetric}})},
                {"target", Value::map({{"type", "AverageValue"},
                                       {"averageValue",
                                        std::to_string(hpa.requests_per_second)}})},
            })},
        }));
    }
    return object("autoscaling/v2", "HorizontalPodAutoscaler", serving_metadata(spec, layout),
                  Value::map({
        {"scaleTargetRef", Value::map({{"apiVersion", "apps/v1"},
                                       {"kind", "Deployment"},
                                       {"name", layout.name}})},
        {"minReplicas", hpa.min_replicas},
        {"maxReplicas", hpa.max_replicas},
        {"metrics", metrics},
        // Up fast (a new replica still needs its model load), down slowly: five minutes of
        // lower load before replicas go, at most half of them a minute.
        {"behavior", Value::map({
            {"scaleUp", Value::map({
                {"stabilizationWindowSeconds", 0},
                {"selectPolicy", "Max"},
                {"policies", Value::list({scaling_policy("Percent", 100, 30),
                                          scaling_policy("Pods", 4, 30)})},
            })},
            {"scaleDown", Value::map({
                {"stabilizationWindowSeconds", 300},
                {"selectPolicy", "Max"},
                {"policies", Value::list({scaling_policy("Percent", 50, 60)})},
            })},
        })},
    }));
}

Value serving_disruption_budget(const JobSpec& spec, const ServingLayout& layout) {
    return object("policy/v1", "PodDisruptionBudget", serving_metadata(spec, layout),
                  Value::map({
        {"minAvailable", spec.serving.min_available},
        {"selector", Value::map({{"matchLabels", serving_selector(layout)}})},
        // A replica that is not Ready (crash-looping, say) protects nothing: let drains
        // evict it rather than hang.
        {"unhealthyPodEvictionPolicy", "AlwaysAllow"},
    }));
}

Value serving_ingress(const JobSpec& spec, const ServingLayout& layout) {
    const ServingIngress& ingress = spec.serving.ingress;
    Value ingress_spec = Value::map();
    if (!ingress.class_name.empty()) ingress_spec.set("ingressClassName", ingress.class_name);
    ingress_spec.set("tls", Value::list({Value::map({
        {"hosts", Value::list({ingress.host})},
        {"secretName", ingress.tls_secret},
    })}));
    ingress_spec.set("rules", Value::list({Value::map({
        {"host", ingress.host},
        {"http", Value::map({{"paths", Value::list({Value::map({
            {"path", "/"},
            {"pathType", "Prefix"},
            {"backend", Value::map({{"service", Value::map({
                {"name", layout.name},
                {"port", Value::map({{"name", kServePortName}})},
            })}})},
        })})}})},
    })}));
    return object("networking.k8s.io/v1", "Ingress", serving_metadata(spec, layout),
                  ingress_spec);
}

// Only the serving port is open, to any client (the Ingress controller, Prometheus, callers
// in the cluster); nothing else on the pods is reachable.
Value serving_network_policy(const JobSpec& spec, const ServingLayout& layout) {
    return object("networking.k8s.io/v1", "NetworkPolicy", serving_metadata(spec, layout),
                  Value::map({
        {"podSelector", Value::map({{"matchLabels", serving_selector(layout)}})},
        {"policyTypes", Value::list({"Ingress"})},
        {"ingress", Value::list({Value::map({
            {"ports", Value::list({Value::map({{"port", spec.serving.port},
                                               {"protocol", "TCP"}})})},
        })})},
    }));
}

Result<std::vector<Manifest>> render_serving_manifests(const JobSpec& spec) {
    auto layout = make_serving_layout(spec);
    SLIPWAY_RETURN_IF_ERROR(layout);
    std::vector<Manifest> out;
    if (spec.serving.runtime == ServingRuntime::kKServe) {
        out.push_back(manifest_of(inference_service(spec, *layout)));
        out.push_back(manifest_of(prometheus_rule(spec, *layout)));
        return out;
    }
    out.push_back(manifest_of(serving_network_policy(spec, *layout)));
    out.push_back(manifest_of(serving_service(spec, *layout)));
    out.push_back(manifest_of(serving_deployment(spec, *layout)));
    if (spec.serving.autoscaling.enabled) {
        out.push_back(manifest_of(serving_autoscaler(spec, *layout)));
    }
    if (spec.serving.min_available > 0) {
        out.push_back(manifest_of(serving_disruption_budget(spec, *layout)));
    }
    if (!spec.serving.ingress.host.empty()) {
        out.push_back(manifest_of(serving_ingress(spec, *layout)));
    }
    out.push_back(manifest_of(service_monitor(spec, *layout)));
    out.push_back(manifest_of(prometheus_rule(spec, *layout)));
    return out;
}

}  // namespace slipway::render
