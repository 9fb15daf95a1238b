#pragma once

#include <vector>

#include "common/status.h"
#include "render/manifests.h"
#include "render/serving_layout.h"
#include "render/yaml_value.h"
#include "spec/job_spec.h"

namespace slipway::render {

// The objects of `slipway-launch render --serving`, in apply order.
//   runtime slipway: NetworkPolicy, Service, Deployment, HorizontalPodAutoscaler (autoscaling
//     on), PodDisruptionBudget (minAvailable > 0), Ingress (a host), ServiceMonitor,
//     PrometheusRule (serving and training alerts);
//   runtime kserve: InferenceService, PrometheusRule (training alerts).
// Plain functions of the spec: the same spec always renders the same bytes.
Result<std::vector<Manifest>> render_serving_manifests(const JobSpec& spec);

// The single objects, for tests.
Value serving_service(const JobSpec& spec, const ServingLayout& layout);
Value serving_autoscaler(const JobSpec& spec, const ServingLayout& layout);
Value serving_disruption_budget(const JobSpec& spec, const ServingLayout& layout);
Value serving_ingress(const JobSpec& spec, const ServingLayout& layout);
Value serving_network_policy(const JobSpec& spec, const ServingLayout& layout);

}  // namespace slipway::render
