// `slipway-launch render`: the job's Kubernetes manifests, on stdout or one file per object.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "cli/commands.h"
#include "cli/spec_loading.h"
#include "render/manifests.h"
#include "render/serving_manifests.h"

namespace slipway::launch {
namespace {

struct RenderFlags {
    SpecFlags spec;
    std::string output_dir;
    bool serving = false;
    std::string runtime;  // "" = the spec's serving.runtime
};

Status write_file(const std::filesystem::path& path, const std::string& text) {
    const std::filesystem::path temporary = path.string() + ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << text;
        out.close();
        if (!out) {
            return Error{ExitCode::kBadSpec,
                         "cannot write '" + temporary.string() + "': " + std::strerror(errno),
                         "-o " + path.parent_path().string(), "check the folder is writable"};
        }
    }
    std::error_code ec;
    std::filesystem::rename(temporary, path, ec);
    if (ec) {
        return Error{ExitCode::kBadSpec,
                     "cannot rename into '" + path.string() + "': " + ec.message(), "-o", ""};
    }
    return Status::success();
}

int run_render(const RenderFlags& flags) {
    SpecFlags spec_flags = flags.spec;
    // --runtime is --set serving.runtime=... under another name, so the spec's rules between
    // runtime and the other serving keys see it.
    if (!flags.runtime.empty()) spec_flags.sets.push_back("serving.runtime=" + flags.runtime);
    auto loaded = load_spec(spec_flags);
    if (!loaded.ok()) return report(loaded.error());
    auto manifests = flags.serving ? render::render_serving_manifests(loaded->spec)
                                   : render::render_manifests(loaded->spec, loaded->overrides);
    if (!manifests.ok()) return report(manifests.error());
    if (flags.output_dir.empty()) {
        const std::string text = render::to_yaml_stream(*manifests);
        std::fwrite(text.data(), 1, text.size(), stdout);
        return std::fflush(stdout) == 0 ? 0 : 1;
    }
    std::error_code ec;
    std::filesystem::create_directories(flags.output_dir, ec);
    if (ec) {
        return report(Error{ExitCode::kBadSpec,
                            "cannot create '" + flags.output_dir + "': " + ec.message(), "-o", ""});
    }
    for (size_t i = 0; i < manifests->size(); ++i) {
        const render::Manifest& manifest = (*manifests)[i];
        const auto path =
            std::filesystem::path(flags.output_dir) / render::manifest_file_name(i, manifest);
        Status written = write_file(path, render::to_yaml(manifest.object));
        if (!written.ok()) return report(written.error());
        std::fprintf(stderr, "wrote %s (%s %s)\n", path.c_str(), manifest.kind.c_str(),
                     manifest.name.c_str());
    }
    return 0;
}

}  // namespace

void add_render_command(CLI::App& app, int& exit_code) {
    auto flags = std::make_shared<RenderFlags>();
    CLI::App* command = app.add_subcommand(
        "render",
        "Print the job's Kubernetes manifests (multi-document YAML): a ConfigMap holding the\n"
        "spec, a headless Service for the rendezvous, and the workload (an Indexed Job, a\n"
        "CronJob when kubernetes.schedule is set, a JobSet, or an MPIJob). Deterministic:\n"
        "the same spec always renders the same bytes.\n"
        "With --serving, the objects that serve the exported model instead (docs/deploy.md):\n"
        "a Deployment running slipway-serve with its Service, NetworkPolicy, HPA, PDB,\n"
        "Ingress, ServiceMonitor and PrometheusRule; or, with --runtime kserve, a KServe\n"
        "InferenceService (ONNX on Triton) and the PrometheusRule.\n"
        "  slipway-launch render configs/fashion-mnist.yaml | kubectl apply -f -\n"
        "  slipway-launch render job.yaml --target jobset -o k8s/out/\n"
        "  slipway-launch render configs/fashion-mnist.yaml --serving | kubectl apply -f -");
    add_spec_flags(*command, flags->spec, true);
    command->add_option("-o,--output-dir", flags->output_dir,
                        "Write one file per object into this folder (NN-kind-name.yaml)");
    CLI::Option* serving =
        command->add_flag("--serving", flags->serving,
                          "Render the serving objects of the spec's `serving` section instead of "
                          "the training job");
    command
        ->add_option("--runtime", flags->runtime,
                     "With --serving: slipway (Deployment running slipway-serve) or kserve "
                     "(InferenceService); same as --set serving.runtime=...")
        ->check(CLI::IsMember({"slipway", "kserve"}))
        ->needs(serving);
    command->callback([flags, &exit_code] { exit_code = run_render(*flags); });
}

}  // namespace slipway::launch
