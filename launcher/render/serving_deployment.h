#pragma once

#include <string>
#include <vector>

#include "render/serving_layout.h"
#include "render/yaml_value.h"
#include "spec/job_spec.h"

namespace slipway::render {

// The slipway-serve command line of a serving pod.
std::vector<std::string> serve_command(const JobSpec& spec, const ServingLayout& layout);

// The Deployment (apps/v1) running slipway-serve: probes on /ready and /health, a preStop
// sleep and a grace period that cover slipway-serve's drain, the model repository from a PVC
// (read-only) or fetched by an initContainer, hardened security context, RollingUpdate with
// maxUnavailable 0, topology spread across zones and nodes. Without autoscaling it sets
// `replicas`; with it the HPA owns the count and `replicas` is left out, so that re-applying
// the manifests does not undo a scale-up.
Value serving_deployment(const JobSpec& spec, const ServingLayout& layout);

}  // namespace slipway::render
