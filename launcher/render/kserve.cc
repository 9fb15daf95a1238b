#include "render/kserve.h"

#include "render/pod_template.h"

namespace slipway::render {
namespace {

Value predictor_resources(const JobSpec& spec) {
    const ServingResources& res = spec.serving.resources;
    Value amounts = Value::map({{"cpu", res.cpu}, {"memory", res.memory}});
    if (res.gpus > 0) amounts.set("nvidia.com/gpu", std::to_string(res.gpus));
    return Value::map({{"limits", amounts}, {"requests", amounts}});
}

Value predictor_model(const JobSpec& spec, const ServingLayout& layout) {
    Value args = Value::list();
    if (!layout.pvc.empty()) {
        // A PVC is mounted live: Triton picks up versions the trainer exports later, as
        // slipway-serve's watcher does. A fetched URL is a snapshot; no polling.
        args.push("--model-control-mode=poll");
        args.push("--repository-poll-secs=30");
    }
    Value model = Value::map({
        {"modelFormat", Value::map({{"name", "onnx"}})},
        {"runtime", "kserve-tritonserver"},
        {"protocolVersion", "v2"},
        {"storageUri", kserve_storage_uri(layout)},
    });
    if (!args.empty()) model.set("args", args);
    model.set("resources", predictor_resources(spec));
    // Triton writes its scratch files under /tmp; the root filesystem stays read-only.
    model.set("volumeMounts", Value::list({Value::map({{"name", "tmp"}, {"mountPath", "/tmp"}})}));
    model.set("securityContext", hardened_container_security_context(kTritonUserId));
    return model;
}

}  // namespace

std::string kserve_storage_uri(const ServingLayout& layout) {
    if (!layout.url.empty()) return layout.url;
    return "pvc://" + layout.pvc + (layout.sub_path.empty() ? "" : "/" + layout.sub_path);
}

Value inference_service(const JobSpec& spec, const ServingLayout& layout) {
    const ServingSpec& serving = spec.serving;
    const bool autoscaling = serving.autoscaling.enabled;
    Value metadata = serving_metadata(spec, layout);
    // RawDeployment: a plain Deployment, Service and HPA, no Knative; the same objects and
    // semantics the slipway runtime renders.
    metadata.set("annotations", Value::map({
        {"serving.kserve.io/deploymentMode", "RawDeployment"},
        {"serving.kserve.io/autoscalerClass", "hpa"},
    }));

    Value predictor = Value::map();
    predictor.set("minReplicas", autoscaling ? serving.autoscaling.min_replicas
                                             : serving.replicas);
    predictor.set("maxReplicas", autoscaling ? serving.autoscaling.max_replicas
                                             : serving.replicas);
    predictor.set("scaleMetric", "cpu");
    predictor.set("scaleTarget", serving.autoscaling.target_cpu_percent);
    predictor.set("deploymentStrategy", Value::map({
        {"type", "RollingUpdate"},
        {"rollingUpdate", Value::map({{"maxUnavailable", 0}, {"maxSurge", 1}})},
    }));
    predictor.set("enableServiceLinks", false);
    predictor.set("automountServiceAccountToken", false);
    if (!spec.kubernetes.image_pull_secrets.empty()) {
        Value secrets = Value::list();
        for (const std::string& secret : spec.kubernetes.image_pull_secrets) {
            secrets.push(Value::map({{"name", secret}}));
        }
        predictor.set("imagePullSecrets", secrets);
    }
    predictor.set("securityContext", hardened_pod_security_context(kTritonUserId));
    if (serving.resources.gpus > 0) {
        predictor.set("tolerations", Value::list({Value::map({{"key", "nvidia.com/gpu"},
                                                              {"operator", "Exists"},
                                                              {"effect", "NoSchedule"}})}));
    }
    predictor.set("model", predictor_model(spec, layout));
    predictor.set("volumes", Value::list({Value::map({{"name", "tmp"},
                                                      {"emptyDir", Value::map()}})}));
    return Value::map({
        {"apiVersion", "serving.kserve.io/v1beta1"},
        {"kind", "InferenceService"},
        {"metadata", metadata},
        {"spec", Value::map({{"predictor", predictor}})},
    });
}

}  // namespace slipway::render
