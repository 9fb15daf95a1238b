#pragma once

#include <string>

#include "render/serving_layout.h"
#include "render/yaml_value.h"
#include "spec/job_spec.h"

namespace slipway::render {

// Triton's user in NVIDIA's tritonserver images, which KServe's kserve-tritonserver runtime
// runs: the InferenceService's pods run as it, non-root.
inline constexpr int kTritonUserId = 1000;

// The storageUri of the model repository: pvc://<claim>[/<subPath>] for a PVC (KServe mounts
// it), or the URL (KServe's storage initializer fetches and unpacks it).
std::string kserve_storage_uri(const ServingLayout& layout);

// KServe InferenceService (serving.kserve.io/v1beta1) in RawDeployment mode: the predictor
// serves the ONNX model from the Triton-layout repository with the kserve-tritonserver runtime
// over the Open Inference Protocol v2; replicas, HPA bounds and CPU target, resources
// (requests = limits, GPUs), rolling update with maxUnavailable 0, hardened security context
// as the slipway runtime's.
Value inference_service(const JobSpec& spec, const ServingLayout& layout);

}  // namespace slipway::render
