#include "cli/spec_loading.h"

#include <cstdio>

namespace slipway::launch {

void add_spec_flags(CLI::App& command, SpecFlags& flags, bool with_target) {
    command.add_option("spec", flags.path, "Job spec (YAML); docs/launcher.md lists every key")
        ->required();
    command.add_option("--set", flags.sets,
                       "Override a spec value, e.g. --set resources.nodes=4 (repeatable); the "
                       "pods' slipway-train gets the same overrides")
        ->type_name("KEY.PATH=VALUE")
        // One value per --set, so that "--set a=1 -- --flag" ends at "--".
        ->allow_extra_args(false);
    if (with_target) {
        command.add_option("--target", flags.target,
                           "indexed-job (plain Kubernetes, default), jobset (JobSet v1alpha2) or "
                           "mpijob (MPIJob v2beta1); same as --set kubernetes.target=...")
            ->check(CLI::IsMember({"indexed-job", "jobset", "mpijob"}));
    }
}

Result<LoadedSpec> load_spec(const SpecFlags& flags) {
    std::vector<SpecOverride> overrides;
    for (const std::string& text : flags.sets) {
        auto parsed = parse_override(text);
        SLIPWAY_RETURN_IF_ERROR(parsed);
        overrides.push_back(*parsed);
    }
    if (!flags.target.empty()) overrides.push_back({"kubernetes.target", flags.target});
    auto spec = load_job_spec(flags.path, overrides);
    SLIPWAY_RETURN_IF_ERROR(spec);
    return LoadedSpec{std::move(*spec), std::move(overrides)};
}

int report(const Error& error) {
    std::fprintf(stderr, "slipway-launch: error: %s\n", error.message().c_str());
    return to_int(error.code);
}

}  // namespace slipway::launch
