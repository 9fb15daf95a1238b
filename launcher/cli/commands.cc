#include "cli/commands.h"

namespace slipway::launch {

void add_commands(CLI::App& app, int& exit_code) {
    add_render_command(app, exit_code);
    add_plan_command(app, exit_code);
    add_run_command(app, exit_code);
    add_kubectl_commands(app, exit_code);
    add_exec_command(app, exit_code);
    add_spec_reference_command(app, exit_code);
}

}  // namespace slipway::launch
