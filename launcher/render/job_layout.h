#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "spec/job_spec.h"
#include "spec/spec_parser.h"

namespace slipway::render {

// Everything the manifests derive from the spec, computed once so that every object and
// `plan` agree: names, the rank layout and the rendezvous address.
struct JobLayout {
    std::string name;            // the spec's name: Job/JobSet/MPIJob/CronJob name
    std::string namespace_name;
    std::string service;         // headless Service (the pods' subdomain)
    std::string config_map;      // holds the spec as job.yaml
    int nodes = 1;
    int ranks_per_node = 1;
    int world_size = 1;
    int gpus_per_node = 0;
    int port = 29500;
    // MASTER_ADDR as the container sees it; "$(JOB_NAME)-0.<service>" under a CronJob, whose
    // Job names are generated.
    std::string master_addr;
    bool cron = false;
    std::vector<std::string> train_args;  // slipway-train's arguments inside the pod
};

inline constexpr const char* kContainerName = "trainer";
inline constexpr const char* kSpecMountDir = "/etc/slipway";
inline constexpr const char* kSpecFile = "/etc/slipway/job.yaml";
inline constexpr const char* kHomeDir = "/home/slipway";
inline constexpr int kUserId = 10001;  // the image's user (docker/Dockerfile.train)
inline constexpr const char* kReplicatedJobName = "workers";  // JobSet

// The layout of `spec` for its kubernetes.target; an Error (exit 2) when the target cannot
// express the spec (names too long for its pod hostnames, no image). `overrides` are passed
// on to slipway-train in the pods, so they see the same spec as the one rendered.
Result<JobLayout> make_layout(const JobSpec& spec, const std::vector<SpecOverride>& overrides);

}  // namespace slipway::render
