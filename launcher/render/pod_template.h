#pragma once

#include <string>
#include <vector>

#include "render/job_layout.h"
#include "render/yaml_value.h"
#include "spec/job_spec.h"

namespace slipway::render {

// The kind of pod a template is for: a training pod runs `slipway-launch exec` and its ranks;
// MPIJob splits the job into a launcher (mpirun, no GPUs) and workers (sshd, the GPUs).
enum class PodRole { kTrainer, kMpiLauncher, kMpiWorker };

// The restricted Pod Security Standard for a container: non-root `user_id`, no privilege
// escalation, read-only root filesystem, every capability dropped but `add_capabilities`,
// RuntimeDefault seccomp. Training and serving pods both use it.
Value hardened_container_security_context(int64_t user_id,
                                          const std::vector<std::string>& add_capabilities = {});
// The pod-level half: non-root `user_id` (also the fsGroup of volumes), RuntimeDefault seccomp.
Value hardened_pod_security_context(int64_t user_id);

// kubernetes.imagePullSecrets as a pod's imagePullSecrets list.
Value image_pull_secrets(const JobSpec& spec);

// app.kubernetes.io/* labels shared by every object of the job.
Value standard_labels(const JobSpec& spec, const std::string& component);

// The pod template (metadata + spec) of `role`: container, env contract, resources,
// volumes, hardened security context, placement.
Value pod_template(const JobSpec& spec, const JobLayout& layout, PodRole role);

// The `slipway-launch exec ...` command line a training pod starts with.
std::vector<std::string> trainer_command(const JobSpec& spec, const JobLayout& layout);

// The mpirun command line of an MPIJob launcher.
std::vector<std::string> mpirun_command(const JobSpec& spec, const JobLayout& layout);

}  // namespace slipway::render
