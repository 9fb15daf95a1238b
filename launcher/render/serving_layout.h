#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "render/yaml_value.h"
#include "spec/job_spec.h"

namespace slipway::render {

// Everything the serving objects derive from the spec, computed once so that the Deployment,
// Service, HPA, PDB, monitoring objects and InferenceService agree on names and selectors.
struct ServingLayout {
    std::string name;            // <job>-serve: every serving object's name
    std::string namespace_name;  // kubernetes.namespace, as the training job
    std::string model_name;      // serving.model.name, else export.name, else the job's name
    // The model repository: a PVC (a folder of it) or a URL fetched by an initContainer.
    std::string pvc;
    std::string sub_path;
    std::string url;
    int threads = 1;                        // slipway-serve --threads
    int64_t termination_grace_seconds = 0;  // preStop + drain + kDrainMarginSeconds
    int startup_failure_threshold = 1;      // startupSeconds / periodSeconds, rounded up
    int64_t progress_deadline_seconds = 600;
};

inline constexpr const char* kServeContainerName = "serve";
inline constexpr const char* kServeComponent = "serve";
inline constexpr const char* kModelMountDir = "/models";
inline constexpr const char* kServePortName = "http";
inline constexpr int kServiceHttpPort = 80;
// SIGKILL comes this long after slipway-serve's own drain bound would have run out: time for
// the listener to close and the process to exit.
inline constexpr int kDrainMarginSeconds = 5;
// The custom metric (pods) the HPA reads; docs/deploy.md has the prometheus-adapter rule.
inline constexpr const char* kRequestsPerSecondMetric = "slipway_serve_requests_per_second";

// The layout of the spec's serving section; an Error (exit 2, naming the spec file) when the
// spec cannot be served: no image (runtime slipway), a name that cannot name a Service, no
// model repository.
Result<ServingLayout> make_serving_layout(const JobSpec& spec);

// app.kubernetes.io/* labels of the serving objects. The instance is <job>-serve, not the
// job's name, so that the training job's selectors (NetworkPolicy, `status`, `logs`) never
// take in serving pods.
Value serving_labels(const JobSpec& spec, const ServingLayout& layout);
// The two labels every serving selector matches (Deployment, Service, PDB, NetworkPolicy,
// topology spread).
Value serving_selector(const ServingLayout& layout);
// metadata: name, namespace, labels.
Value serving_metadata(const JobSpec& spec, const ServingLayout& layout);

}  // namespace slipway::render
