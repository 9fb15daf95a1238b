// `slipway-launch plan`: what the job would run, for a person.
#include <cstdio>

#include "cli/commands.h"
#include "cli/spec_loading.h"
#include "render/plan.h"

namespace slipway::launch {

void add_plan_command(CLI::App& app, int& exit_code) {
    auto flags = std::make_shared<SpecFlags>();
    CLI::App* command = app.add_subcommand(
        "plan",
        "Describe what the job would run: pods x processes = ranks, CPUs, memory and GPUs in\n"
        "total, image, rendezvous address, placement, volumes, what each exit code does, the\n"
        "queue. Nothing is applied.\n"
        "  slipway-launch plan configs/fashion-mnist.yaml --set resources.nodes=4");
    add_spec_flags(*command, *flags, true);
    command->callback([flags, &exit_code] {
        auto loaded = load_spec(*flags);
        if (!loaded.ok()) {
            exit_code = report(loaded.error());
            return;
        }
        auto plan = render::describe_plan(loaded->spec, loaded->overrides);
        if (!plan.ok()) {
            exit_code = report(plan.error());
            return;
        }
        std::fputs(plan->c_str(), stdout);
        exit_code = 0;
    });
}

}  // namespace slipway::launch
