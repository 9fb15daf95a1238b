#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "render/yaml_value.h"
#include "spec/job_spec.h"
#include "spec/spec_parser.h"

namespace slipway::render {

// One Kubernetes object, ready to print.
struct Manifest {
    std::string kind;  // "ConfigMap", "Service", "Job", "CronJob", "JobSet", "MPIJob"
    std::string name;
    Value object;
};

// Every object the spec's kubernetes.target needs, in apply order: the ConfigMap with the
// spec, a NetworkPolicy that admits only the job's own pods, the headless Service (not for
// JobSet and MPIJob, whose controllers make their own), then the workload.
// Plain functions of the spec: the same spec always renders the same bytes.
Result<std::vector<Manifest>> render_manifests(const JobSpec& spec,
                                               const std::vector<SpecOverride>& overrides);

// The objects as one multi-document YAML stream.
std::string to_yaml_stream(const std::vector<Manifest>& manifests);

// "30-job-fashion-mnist.yaml": the file name `render -o DIR` gives each object, numbered in
// apply order.
std::string manifest_file_name(size_t index, const Manifest& manifest);

}  // namespace slipway::render
