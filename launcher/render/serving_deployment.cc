#include "render/serving_deployment.h"

#include "render/job_layout.h"
#include "render/pod_template.h"

namespace slipway::render {
namespace {

Value string_list(const std::vector<std::string>& items) {
    Value list = Value::list();
    for (const std::string& item : items) list.push(item);
    return list;
}

Value http_probe(const char* path, int period, int timeout, int failure_threshold) {
    return Value::map({
        {"httpGet", Value::map({{"path", path}, {"port", kServePortName}})},
        {"periodSeconds", period},
        {"timeoutSeconds", timeout},
        {"successThreshold", 1},
        {"failureThreshold", failure_threshold},
    });
}

Value equal_requests_and_limits(Value amounts) {
    // requests = limits: Guaranteed QoS. The memory limit is what the pod may use without
    // an OOM kill, and the HPA's CPU percentage is of a request that is also the ceiling.
    return Value::map({{"limits", amounts}, {"requests", amounts}});
}

// Fetches the repository tarball into the emptyDir before slipway-serve starts. Plain POSIX
// sh (no pipefail needed): download to a file, then unpack.
Value fetch_container(const JobSpec& spec, const ServingLayout& layout) {
    const std::string archive = std::string(kModelMountDir) + "/.repository.tar.gz";
    const std::string script = "set -eu\n"
                               "curl -fsSL --retry 5 --retry-connrefused -o " + archive +
                               " \"$MODEL_URL\"\n"
                               "tar -xzf " + archive + " -C " + kModelMountDir + "\n"
                               "rm -f " + archive + "\n";
    return Value::map({
        {"name", "fetch-model"},
        {"image", spec.serving.repository.fetch_image},
        {"imagePullPolicy", spec.kubernetes.image_pull_policy},
        {"command", Value::list({"sh", "-c", script})},
        {"env", Value::list({Value::map({{"name", "MODEL_URL"}, {"value", layout.url}})})},
        {"resources",
         equal_requests_and_limits(Value::map({{"cpu", "500m"}, {"memory", "256Mi"}}))},
        {"volumeMounts",
         Value::list({Value::map({{"name", "models"}, {"mountPath", kModelMountDir}})})},
        {"securityContext", hardened_container_security_context(kUserId)},
        {"terminationMessagePolicy", "FallbackToLogsOnError"},
    });
}

Value serve_container(const JobSpec& spec, const ServingLayout& layout) {
    const ServingSpec& serving = spec.serving;
    const ServingProbes& probes = serving.probes;
    std::vector<std::string> command = serve_command(spec, layout);
    Value args = Value::list();
    for (size_t i = 1; i < command.size(); ++i) args.push(command[i]);

    Value container = Value::map({
        {"name", kServeContainerName},
        {"image", serving.image},
        {"imagePullPolicy", spec.kubernetes.image_pull_policy},
        {"command", Value::list({command[0]})},
        {"args", args},
        {"ports", Value::list({Value::map({{"name", kServePortName},
                                           {"containerPort", serving.port},
                                           {"protocol", "TCP"}})})},
        {"resources", equal_requests_and_limits(Value::map(
                          {{"cpu", serving.resources.cpu}, {"memory", serving.resources.memory}}))},
        // /ready answers 503 until the model is loaded; the startup probe gives the load
        // startupSeconds before the kubelet gives up, and holds the other probes back.
        {"startupProbe", http_probe("/ready", probes.period_seconds, probes.timeout_seconds,
                                    layout.startup_failure_threshold)},
        // /ready turns 503 the moment SIGTERM arrives: the pod leaves the endpoints.
        {"readinessProbe", http_probe("/ready", probes.period_seconds, probes.timeout_seconds,
                                      probes.readiness_failure_threshold)},
        // /health is 200 while the process runs: a restart only for a hung server.
        {"livenessProbe", http_probe("/health", probes.liveness_period_seconds,
                                     probes.timeout_seconds, probes.liveness_failure_threshold)},
    });
    if (serving.pre_stop_seconds > 0) {
        // Endpoints controllers and kube-proxy take a few seconds to drop a terminating pod;
        // it keeps serving meanwhile, and slipway-serve's drain starts only after.
        container.set("lifecycle", Value::map({{"preStop", Value::map({{"exec", Value::map({
            {"command", string_list({"sleep", std::to_string(serving.pre_stop_seconds)})},
        })}})}}));
    }
    Value mount = Value::map({{"name", "models"}, {"mountPath", kModelMountDir},
                              {"readOnly", true}});
    if (!layout.sub_path.empty()) mount.set("subPath", layout.sub_path);
    container.set("volumeMounts", Value::list({mount}));
    container.set("securityContext", hardened_container_security_context(kUserId));
    container.set("terminationMessagePolicy", "FallbackToLogsOnError");
    return container;
}

Value model_volume(const JobSpec& spec, const ServingLayout& layout) {
    if (!layout.url.empty()) {
        return Value::map({{"name", "models"},
                           {"emptyDir", Value::map({{"sizeLimit",
                                                     spec.serving.repository.size_limit}})}});
    }
    return Value::map({{"name", "models"},
                       {"persistentVolumeClaim",
                        Value::map({{"claimName", layout.pvc}, {"readOnly", true}})}});
}

Value spread(const ServingLayout& layout, const char* topology_key, const char* when) {
    return Value::map({
        {"maxSkew", 1},
        {"topologyKey", topology_key},
        {"whenUnsatisfiable", when},
        // Tainted nodes the pods cannot use (control plane, GPU pools) are not domains that
        // must receive replicas.
        {"nodeTaintsPolicy", "Honor"},
        {"labelSelector", Value::map({{"matchLabels", serving_selector(layout)}})},
        // Skew is counted within one ReplicaSet, so a rollout's new pods spread by themselves.
        {"matchLabelKeys", Value::list({"pod-template-hash"})},
    });
}

Value pod_spec(const JobSpec& spec, const ServingLayout& layout) {
    Value pod = Value::map();
    pod.set("terminationGracePeriodSeconds", layout.termination_grace_seconds);
    pod.set("enableServiceLinks", false);
    pod.set("automountServiceAccountToken", false);  // serving never calls the API server
    if (!spec.kubernetes.image_pull_secrets.empty()) {
        pod.set("imagePullSecrets", image_pull_secrets(spec));
    }
    pod.set("securityContext", hardened_pod_security_context(kUserId));
    // Zones are a preference (a cluster may have one); nodes are a rule: two replicas share
    // a node only when there are more replicas than nodes.
    pod.set("topologySpreadConstraints",
            Value::list({spread(layout, "topology.kubernetes.io/zone", "ScheduleAnyway"),
                         spread(layout, "kubernetes.io/hostname", "DoNotSchedule")}));
    if (!layout.url.empty()) pod.set("initContainers", Value::list({fetch_container(spec, layout)}));
    pod.set("containers", Value::list({serve_container(spec, layout)}));
    pod.set("volumes", Value::list({model_volume(spec, layout)}));
    return pod;
}

}  // namespace

std::vector<std::string> serve_command(const JobSpec& spec, const ServingLayout& layout) {
    const ServingSpec& serving = spec.serving;
    std::vector<std::string> command = {"slipway-serve", "--repository", kModelMountDir,
                                        "--model", layout.model_name};
    if (serving.model.version > 0) {
        command.insert(command.end(), {"--version", std::to_string(serving.model.version)});
    }
    command.insert(command.end(),
                   {"--host", "0.0.0.0", "--port", std::to_string(serving.port), "--threads",
                    std::to_string(layout.threads), "--drain-seconds",
                    std::to_string(serving.drain_seconds)});
    return command;
}

Value serving_deployment(const JobSpec& spec, const ServingLayout& layout) {
    Value deployment_spec = Value::map();
    if (!spec.serving.autoscaling.enabled) deployment_spec.set("replicas", spec.serving.replicas);
    deployment_spec.set("revisionHistoryLimit", 5);
    deployment_spec.set("progressDeadlineSeconds", layout.progress_deadline_seconds);
    deployment_spec.set("selector", Value::map({{"matchLabels", serving_selector(layout)}}));
    // A new pod must be Ready before an old one goes: capacity never drops during a rollout.
    deployment_spec.set("strategy", Value::map({
        {"type", "RollingUpdate"},
        {"rollingUpdate", Value::map({{"maxUnavailable", 0}, {"maxSurge", 1}})},
    }));
    deployment_spec.set("template",
                        Value::map({{"metadata", Value::map({{"labels",
                                                              serving_labels(spec, layout)}})},
                                    {"spec", pod_spec(spec, layout)}}));
    return Value::map({
        {"apiVersion", "apps/v1"},
        {"kind", "Deployment"},
        {"metadata", serving_metadata(spec, layout)},
        {"spec", deployment_spec},
    });
}

}  // namespace slipway::render
