#include "render/serving_layout.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "render/pod_template.h"
#include "spec/quantity.h"

namespace slipway::render {
namespace {

// The PVC that holds `path` among the spec's volumes, and the path's folder inside it.
bool find_repository_volume(const JobSpec& spec, const std::string& path, ServingLayout& out) {
    for (const VolumeMount& volume : spec.kubernetes.volumes) {
        if (volume.pvc.empty()) continue;
        std::string mount = volume.mount_path;
        while (mount.size() > 1 && mount.back() == '/') mount.pop_back();
        if (path == mount) {
            out.pvc = volume.pvc;
            return true;
        }
        if (path.rfind(mount + "/", 0) == 0) {
            out.pvc = volume.pvc;
            out.sub_path = path.substr(mount.size() + 1);
            while (!out.sub_path.empty() && out.sub_path.back() == '/') out.sub_path.pop_back();
            return true;
        }
    }
    return false;
}

Status resolve_repository(const JobSpec& spec, const std::string& where, ServingLayout& out) {
    const ServingRepository& repo = spec.serving.repository;
    if (!repo.pvc.empty() || !repo.url.empty()) {
        out.pvc = repo.pvc;
        out.sub_path = repo.sub_path;
        out.url = repo.url;
        return Status::success();
    }
    const std::string& exported = spec.model_export.repository;
    if (!exported.empty() && exported.front() == '/' &&
        find_repository_volume(spec, exported, out)) {
        return Status::success();
    }
    return spec_error(where,
                      "serving.repository is not set" +
                          (exported.empty() ? std::string()
                                            : " and export.repository (" + exported +
                                                  ") is on no kubernetes.volumes PVC"),
                      "set serving.repository.pvc (and subPath), or serving.repository.url");
}

}  // namespace

Result<ServingLayout> make_serving_layout(const JobSpec& spec) {
    const std::string where = spec.source_path.empty() ? "the spec" : spec.source_path;
    const ServingSpec& serving = spec.serving;
    if (serving.runtime == ServingRuntime::kSlipway && serving.image.empty()) {
        return spec_error(where, "serving.image is not set; the serving pods need an image",
                          "build docker/Dockerfile.serve, push it, and set serving.image: "
                          "<registry>/slipway-serve:<tag> (or --set serving.image=...)");
    }
    ServingLayout layout;
    layout.name = spec.name + "-serve";
    // Service names are DNS-1035 labels: a letter first, at most 63 characters.
    if (layout.name.size() > 63 || !std::isalpha(static_cast<unsigned char>(spec.name[0]))) {
        return spec_error(where,
                          "name '" + spec.name + "' cannot name the serving objects ('" +
                              layout.name +
                              "'): a Service name starts with a letter and has "
                              "at most 63 characters",
                          "use a name that starts with a letter, of at most 57 characters");
    }
    layout.namespace_name = spec.kubernetes.namespace_name;
    layout.model_name = !serving.model.name.empty()       ? serving.model.name
                        : !spec.model_export.name.empty() ? spec.model_export.name
                                                          : spec.name;
    SLIPWAY_RETURN_IF_ERROR(resolve_repository(spec, where, layout));

    const double cpus = parse_quantity(serving.resources.cpu).value_or(1.0);
    layout.threads =
        serving.threads > 0 ? serving.threads : std::max(1, static_cast<int>(std::floor(cpus)));
    layout.termination_grace_seconds =
        int64_t{serving.pre_stop_seconds} + serving.drain_seconds + kDrainMarginSeconds;
    const ServingProbes& probes = serving.probes;
    layout.startup_failure_threshold =
        (probes.startup_seconds + probes.period_seconds - 1) / probes.period_seconds;
    // A rollout whose new pods load the model for startupSeconds is still progressing.
    layout.progress_deadline_seconds = std::max<int64_t>(600, probes.startup_seconds + 120);
    return layout;
}

Value serving_labels(const JobSpec& spec, const ServingLayout& layout) {
    Value labels = standard_labels(spec, kServeComponent);
    labels.set("app.kubernetes.io/instance", layout.name);
    return labels;
}

Value serving_selector(const ServingLayout& layout) {
    return Value::map({{"app.kubernetes.io/instance", layout.name},
                       {"app.kubernetes.io/component", kServeComponent}});
}

Value serving_metadata(const JobSpec& spec, const ServingLayout& layout) {
    return Value::map({{"name", layout.name},
                       {"namespace", layout.namespace_name},
                       {"labels", serving_labels(spec, layout)}});
}

}  // namespace slipway::render
