#include "render/manifests.h"

#include <cctype>
#include <cstdio>

#include "render/failure_policy.h"
#include "render/job_layout.h"
#include "render/pod_template.h"

namespace slipway::render {
namespace {

Value object_metadata(const JobSpec& spec, const std::string& name, const std::string& component,
                      bool queued) {
    Value labels = standard_labels(spec, component);
    if (queued) labels.set("kueue.x-k8s.io/queue-name", spec.kubernetes.queue);
    return Value::map({{"name", name},
                       {"namespace", spec.kubernetes.namespace_name},
                       {"labels", labels}});
}

Value config_map(const JobSpec& spec, const JobLayout& layout) {
    return Value::map({
        {"apiVersion", "v1"},
        {"kind", "ConfigMap"},
        {"metadata", object_metadata(spec, layout.config_map, "spec", false)},
        {"data", Value::map({{"job.yaml", spec.source_text}})},
    });
}

Value headless_service(const JobSpec& spec, const JobLayout& layout) {
    return Value::map({
        {"apiVersion", "v1"},
        {"kind", "Service"},
        {"metadata", object_metadata(spec, layout.service, "rendezvous", false)},
        {"spec", Value::map({
            {"clusterIP", "None"},
            // Ranks resolve each other before they are Ready: the rendezvous is what makes
            // them ready.
            {"publishNotReadyAddresses", true},
            {"selector", Value::map({{"app.kubernetes.io/instance", spec.name},
                                     {"app.kubernetes.io/component", "trainer"}})},
            {"ports", Value::list({Value::map({{"name", "rendezvous"},
                                               {"port", layout.port},
                                               {"targetPort", layout.port},
                                               {"protocol", "TCP"}})})},
        })},
    });
}

// Only the job's own pods may connect to its pods (rendezvous, gloo/NCCL sockets on ports
// the libraries pick, and mpirun's SSH): every port, but nobody else.
Value network_policy(const JobSpec& spec) {
    Value same_job = Value::map({{"matchLabels",
                                  Value::map({{"app.kubernetes.io/instance", spec.name}})}});
    return Value::map({
        {"apiVersion", "networking.k8s.io/v1"},
        {"kind", "NetworkPolicy"},
        {"metadata", object_metadata(spec, spec.name, "network-policy", false)},
        {"spec", Value::map({
            {"podSelector", same_job},
            {"policyTypes", Value::list({"Ingress"})},
            {"ingress", Value::list({Value::map({
                {"from", Value::list({Value::map({{"podSelector", same_job}})})},
            })})},
        })},
    });
}

// The spec of an Indexed Job: one pod per node, index = JOB_COMPLETION_INDEX.
Value indexed_job_spec(const JobSpec& spec, const JobLayout& layout, int backoff_limit,
                       bool queued) {
    Value job = Value::map();
    job.set("completionMode", "Indexed");
    job.set("completions", layout.nodes);
    job.set("parallelism", layout.nodes);
    job.set("backoffLimit", backoff_limit);
    if (spec.kubernetes.active_deadline_seconds > 0) {
        job.set("activeDeadlineSeconds", spec.kubernetes.active_deadline_seconds);
    }
    job.set("podFailurePolicy", pod_failure_policy(kContainerName));
    // A replacement pod starts only once the failed one is gone, so a new rank 0 never
    // races the old one for its hostname and port.
    job.set("podReplacementPolicy", "Failed");
    if (queued) job.set("suspend", true);  // Kueue admits it by unsuspending
    job.set("template", pod_template(spec, layout, PodRole::kTrainer));
    return job;
}

Value indexed_job(const JobSpec& spec, const JobLayout& layout) {
    const bool queued = !spec.kubernetes.queue.empty();
    Value job_spec = indexed_job_spec(spec, layout, spec.kubernetes.backoff_limit, queued);
    job_spec.set("ttlSecondsAfterFinished", spec.kubernetes.ttl_seconds_after_finished);
    return Value::map({
        {"apiVersion", "batch/v1"},
        {"kind", "Job"},
        {"metadata", object_metadata(spec, spec.name, "job", queued)},
        {"spec", job_spec},
    });
}

Value cron_job(const JobSpec& spec, const JobLayout& layout) {
    const bool queued = !spec.kubernetes.queue.empty();
    Value job_spec = indexed_job_spec(spec, layout, spec.kubernetes.backoff_limit, queued);
    job_spec.set("ttlSecondsAfterFinished", spec.kubernetes.ttl_seconds_after_finished);
    Value job_labels = standard_labels(spec, "job");
    if (queued) job_labels.set("kueue.x-k8s.io/queue-name", spec.kubernetes.queue);
    return Value::map({
        {"apiVersion", "batch/v1"},
        {"kind", "CronJob"},
        {"metadata", object_metadata(spec, spec.name, "schedule", false)},
        {"spec", Value::map({
            {"schedule", spec.kubernetes.schedule},
            // Two runs of one job would share checkpoints and the rendezvous address.
            {"concurrencyPolicy", "Forbid"},
            {"startingDeadlineSeconds", 3600},
            {"successfulJobsHistoryLimit", 3},
            {"failedJobsHistoryLimit", 3},
            {"jobTemplate", Value::map({{"metadata", Value::map({{"labels", job_labels}})},
                                        {"spec", job_spec}})},
        })},
    });
}

Value job_set(const JobSpec& spec, const JobLayout& layout) {
    const bool queued = !spec.kubernetes.queue.empty();
    // Each incarnation of the gang fails on the first counted pod failure; JobSet then
    // recreates the whole set (up to maxRestarts), which is what a collective job needs.
    Value job_spec = indexed_job_spec(spec, layout, 0, false);
    Value spec_value = Value::map();
    spec_value.set("network", Value::map({{"enableDNSHostnames", true},
                                          {"publishNotReadyAddresses", true},
                                          {"subdomain", layout.service}}));
    spec_value.set("failurePolicy", Value::map({
        {"maxRestarts", spec.kubernetes.backoff_limit},
        {"rules", Value::list({Value::map({
            {"name", "fail-on-permanent-errors"},
            {"action", "FailJobSet"},
            // The Job's podFailurePolicy FailJob rule (exit 2, 3, 4, 11) ends it with this
            // reason: a restart would fail the same way.
            // DeadlineExceeded: activeDeadlineSeconds bounds the whole job, not each restart.
            {"onJobFailureReasons", Value::list({"PodFailurePolicy", "DeadlineExceeded"})},
        })})},
    }));
    spec_value.set("successPolicy", Value::map({{"operator", "All"},
                                                {"targetReplicatedJobs",
                                                 Value::list({kReplicatedJobName})}}));
    if (queued) spec_value.set("suspend", true);
    spec_value.set("ttlSecondsAfterFinished", spec.kubernetes.ttl_seconds_after_finished);
    spec_value.set("replicatedJobs", Value::list({Value::map({
        {"name", kReplicatedJobName},
        {"replicas", 1},
        {"template", Value::map({{"metadata",
                                  Value::map({{"labels", standard_labels(spec, "job")}})},
                                 {"spec", job_spec}})},
    })}));
    return Value::map({
        {"apiVersion", "jobset.x-k8s.io/v1alpha2"},
        {"kind", "JobSet"},
        {"metadata", object_metadata(spec, spec.name, "job", queued)},
        {"spec", spec_value},
    });
}

Value mpi_job(const JobSpec& spec, const JobLayout& layout) {
    const bool queued = !spec.kubernetes.queue.empty();
    Value run_policy = Value::map();
    run_policy.set("cleanPodPolicy", "Running");
    run_policy.set("backoffLimit", spec.kubernetes.backoff_limit);
    if (spec.kubernetes.active_deadline_seconds > 0) {
        run_policy.set("activeDeadlineSeconds", spec.kubernetes.active_deadline_seconds);
    }
    run_policy.set("ttlSecondsAfterFinished", spec.kubernetes.ttl_seconds_after_finished);
    if (queued) run_policy.set("suspend", true);
    if (queued || !spec.kubernetes.priority_class.empty()) {
        Value scheduling = Value::map();
        if (queued) scheduling.set("queue", spec.kubernetes.queue);
        if (!spec.kubernetes.priority_class.empty()) {
            scheduling.set("priorityClass", spec.kubernetes.priority_class);
        }
        run_policy.set("schedulingPolicy", scheduling);
    }
    return Value::map({
        {"apiVersion", "kubeflow.org/v2beta1"},
        {"kind", "MPIJob"},
        {"metadata", object_metadata(spec, spec.name, "job", queued)},
        {"spec", Value::map({
            {"slotsPerWorker", layout.ranks_per_node},
            {"mpiImplementation", "OpenMPI"},
            // mpirun starts only when every worker's sshd is up.
            {"launcherCreationPolicy", "WaitForWorkersReady"},
            {"sshAuthMountPath", std::string(kHomeDir) + "/.ssh"},
            {"runPolicy", run_policy},
            {"mpiReplicaSpecs", Value::map({
                {"Launcher", Value::map({{"replicas", 1},
                                         {"restartPolicy", "OnFailure"},
                                         {"template", pod_template(spec, layout,
                                                                   PodRole::kMpiLauncher)}})},
                {"Worker", Value::map({{"replicas", layout.nodes},
                                       {"restartPolicy", "Never"},
                                       {"template", pod_template(spec, layout,
                                                                 PodRole::kMpiWorker)}})},
            })},
        })},
    });
}

Manifest manifest_of(Value object) {
    const std::string kind = object.get("kind")->as_string();
    const std::string name = object.at_path("metadata.name")->as_string();
    return Manifest{kind, name, std::move(object)};
}

}  // namespace

Result<std::vector<Manifest>> render_manifests(const JobSpec& spec,
                                               const std::vector<SpecOverride>& overrides) {
    auto layout = make_layout(spec, overrides);
    SLIPWAY_RETURN_IF_ERROR(layout);
    std::vector<Manifest> out;
    out.push_back(manifest_of(config_map(spec, *layout)));
    out.push_back(manifest_of(network_policy(spec)));
    switch (spec.kubernetes.target) {
        case RenderTarget::kIndexedJob:
            out.push_back(manifest_of(headless_service(spec, *layout)));
            out.push_back(manifest_of(layout->cron ? cron_job(spec, *layout)
                                                   : indexed_job(spec, *layout)));
            break;
        case RenderTarget::kJobSet:
            out.push_back(manifest_of(job_set(spec, *layout)));
            break;
        case RenderTarget::kMpiJob:
            // mpi-operator makes the workers' headless Service itself.
            out.push_back(manifest_of(mpi_job(spec, *layout)));
            break;
    }
    return out;
}

std::string to_yaml_stream(const std::vector<Manifest>& manifests) {
    std::vector<Value> documents;
    for (const Manifest& manifest : manifests) documents.push_back(manifest.object);
    return to_yaml_documents(documents);
}

std::string manifest_file_name(size_t index, const Manifest& manifest) {
    std::string kind;
    for (char c : manifest.kind) kind += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    char prefix[8];
    std::snprintf(prefix, sizeof prefix, "%02zu", index * 10);
    return std::string(prefix) + "-" + kind + "-" + manifest.name + ".yaml";
}

}  // namespace slipway::render
