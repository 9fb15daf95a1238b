#include "render/job_layout.h"

namespace slipway::render {

Result<JobLayout> make_layout(const JobSpec& spec, const std::vector<SpecOverride>& overrides) {
    const std::string where = spec.source_path.empty() ? "the spec" : spec.source_path;
    if (spec.image.empty()) {
        return spec_error(where, "image is not set; the pods need a container image",
                          "build docker/Dockerfile.train, push it, and set image: "
                          "<registry>/slipway-train:<tag> (or --set image=...)");
    }
    JobLayout layout;
    layout.name = spec.name;
    layout.namespace_name = spec.kubernetes.namespace_name;
    layout.service = spec.name;
    layout.config_map = spec.name + "-spec";
    layout.nodes = spec.resources.nodes;
    layout.ranks_per_node = spec.resources.ranks_per_node();
    layout.world_size = spec.resources.world_size();
    layout.gpus_per_node = spec.resources.gpus_per_node;
    layout.port = spec.kubernetes.port;
    layout.cron = !spec.kubernetes.schedule.empty();

    const std::string last_index = std::to_string(layout.nodes - 1);
    switch (spec.kubernetes.target) {
        case RenderTarget::kIndexedJob:
            layout.master_addr = (layout.cron ? std::string("$(JOB_NAME)") : spec.name) + "-0." +
                                 layout.service;
            break;
        case RenderTarget::kJobSet: {
            // JobSet names pods <jobset>-<replicatedJob>-<job index>-<pod index>.
            const std::string hostname =
                spec.name + "-" + kReplicatedJobName + "-0-" + last_index;
            if (hostname.size() > 63) {
                return spec_error(where,
                                  "name '" + spec.name + "' makes JobSet pod hostnames like '" +
                                      hostname + "' longer than 63 characters",
                                  "shorten the name to at most " +
                                      std::to_string(63 - (hostname.size() - spec.name.size())) +
                                      " characters");
            }
            layout.master_addr = spec.name + "-" + kReplicatedJobName + "-0-0." + layout.service;
            break;
        }
        case RenderTarget::kMpiJob: {
            // mpi-operator names workers <job>-worker-<index> and its Service <job>.
            const std::string hostname = spec.name + "-worker-" + last_index;
            if (hostname.size() > 63) {
                return spec_error(where,
                                  "name '" + spec.name + "' makes MPIJob worker hostnames like '" +
                                      hostname + "' longer than 63 characters",
                                  "shorten the name");
            }
            layout.master_addr = spec.name + "-worker-0." + layout.service;
            break;
        }
    }
    layout.train_args = {"slipway-train", kSpecFile};
    for (const SpecOverride& override : overrides) {
        // Kubernetes expands $(VAR) in a container's command and turns $$ into $: doubling
        // every $ hands slipway-train the value as it was given to render.
        std::string value = override.key_path + "=" + override.value;
        std::string escaped;
        for (char c : value) escaped += c == '$' ? std::string("$$") : std::string(1, c);
        layout.train_args.push_back("--set");
        layout.train_args.push_back(escaped);
    }
    return layout;
}

}  // namespace slipway::render
