#pragma once

#include <cstdint>
#include <string>

namespace slipway {

// The `serving` section of the job spec: how `slipway-launch render --serving` runs the model
// this job exports (docs/deploy.md). Defaults here are the defaults a spec gets when it leaves
// a key out; docs/launcher.md's reference is generated from serving_schema.cc.

enum class ServingRuntime { kSlipway, kKServe };
enum class MetricsAdapter { kNone, kPrometheusAdapter };

struct ServingResources {
    std::string cpu = "2";       // serving.resources.cpu: per replica, requests = limits
    std::string memory = "2Gi";  // serving.resources.memory: per replica, requests = limits
    int gpus = 0;                // serving.resources.gpus: nvidia.com/gpu (runtime kserve only)
};

struct ServingModel {
    std::string name;     // serving.model.name ("": export.name, else the job's name)
    int64_t version = 0;  // serving.model.version: pin (0: the newest, watched)
};

// Exactly one source: a PVC (optionally a folder in it) or a URL an initContainer fetches.
struct ServingRepository {
    std::string pvc;       // serving.repository.pvc: PersistentVolumeClaim holding it
    std::string sub_path;  // serving.repository.subPath: folder of the PVC ("": its root)
    std::string url;       // serving.repository.url: http(s) .tar.gz of the repository
    std::string fetch_image = "curlimages/curl:8.10.1";  // serving.repository.fetchImage
    std::string size_limit = "2Gi";  // serving.repository.sizeLimit: emptyDir of a fetch
};

struct ServingAutoscaling {
    bool enabled = false;         // serving.autoscaling.enabled: a HorizontalPodAutoscaler
    int min_replicas = 2;         // serving.autoscaling.minReplicas
    int max_replicas = 10;        // serving.autoscaling.maxReplicas
    int target_cpu_percent = 70;  // serving.autoscaling.targetCPUPercent: of the request
    int requests_per_second = 0;  // serving.autoscaling.requestsPerSecond: per replica (0: off)
    MetricsAdapter metrics_adapter = MetricsAdapter::kNone;  // serving.autoscaling.metricsAdapter
};

struct ServingIngress {
    std::string host;        // serving.ingress.host ("": no Ingress)
    std::string tls_secret;  // serving.ingress.tlsSecret: kubernetes.io/tls Secret for host
    std::string class_name;  // serving.ingress.className ("": the cluster's default)
};

struct ServingProbes {
    int period_seconds = 5;               // serving.probes.periodSeconds: startup, readiness
    int timeout_seconds = 2;              // serving.probes.timeoutSeconds: every probe
    int startup_seconds = 300;            // serving.probes.startupSeconds: model load budget
    int readiness_failure_threshold = 2;  // serving.probes.readinessFailureThreshold
    int liveness_period_seconds = 10;     // serving.probes.livenessPeriodSeconds
    int liveness_failure_threshold = 3;   // serving.probes.livenessFailureThreshold
};

struct ServingMonitoring {
    double error_ratio = 0.02;                   // serving.monitoring.errorRatio: alert threshold
    double p99_latency_seconds = 0.5;            // serving.monitoring.p99LatencySeconds: alert
    int scrape_interval_seconds = 15;            // serving.monitoring.scrapeIntervalSeconds
    std::string runbook_url = "docs/deploy.md";  // serving.monitoring.runbookUrl (+ #anchor)
};

struct ServingSpec {
    ServingRuntime runtime = ServingRuntime::kSlipway;  // serving.runtime: slipway | kserve
    std::string image;         // serving.image: the slipway-serve image (docker/Dockerfile.serve)
    int replicas = 2;          // serving.replicas: without autoscaling
    int port = 8000;           // serving.port: slipway-serve's --port
    int threads = 0;           // serving.threads: --threads (0: the CPU limit, at least 1)
    int pre_stop_seconds = 5;  // serving.preStopSeconds: wait before SIGTERM
    int drain_seconds = 20;    // serving.drainSeconds: slipway-serve's --drain-seconds
    int min_available = 1;     // serving.disruptionBudget.minAvailable (0: no budget)
    ServingResources resources;
    ServingModel model;
    ServingRepository repository;
    ServingAutoscaling autoscaling;
    ServingIngress ingress;
    ServingProbes probes;
    ServingMonitoring monitoring;
};

const char* to_string(ServingRuntime value);
const char* to_string(MetricsAdapter value);

}  // namespace slipway
