#pragma once

#include <CLI/CLI.hpp>

namespace slipway::launch {

// Each add_*_command registers one subcommand; its callback runs the command and stores the
// process exit code in `exit_code`.
void add_render_command(CLI::App& app, int& exit_code);
void add_plan_command(CLI::App& app, int& exit_code);
void add_run_command(CLI::App& app, int& exit_code);
void add_exec_command(CLI::App& app, int& exit_code);
void add_kubectl_commands(CLI::App& app, int& exit_code);  // status, logs, apply, delete
void add_spec_reference_command(CLI::App& app, int& exit_code);

// All of the above, in the order `--help` lists them.
void add_commands(CLI::App& app, int& exit_code);

}  // namespace slipway::launch
