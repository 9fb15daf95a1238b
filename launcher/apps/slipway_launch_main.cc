// slipway-launch: turns a job spec into Kubernetes manifests, runs it on this machine, or is
// the entrypoint of each training pod. See docs/launcher.md.
#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
    CLI::App app{
        "slipway-launch: one job spec to Kubernetes manifests, local runs and the in-pod\n"
        "supervisor.\n\n"
        "Examples:\n"
        "  slipway-launch render configs/fashion-mnist.yaml | kubectl apply -f -\n"
        "  slipway-launch plan configs/fashion-mnist.yaml\n"
        "  slipway-launch run configs/fashion-mnist.yaml --np 2\n"
        "  slipway-launch apply configs/fashion-mnist.yaml --dry-run=client\n"
        "  slipway-launch exec -- slipway-train /etc/slipway/job.yaml   (pod entrypoint)\n\n"
        "Exit codes: those of the job (DESIGN.md: 0, 2 bad spec or flags, 3 data, 4 checkpoint,\n"
        "10 lost peer, 11 out of memory, 143 stopped after a checkpoint), or kubectl's.",
        "slipway-launch"};
    app.require_subcommand(1, 1);
    int exit_code = 0;
    slipway::launch::add_commands(app, exit_code);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        const int code = app.exit(error);
        return code == 0 ? 0 : 2;
    }
    return exit_code;
}
