// slipway-train: one rank of a data-parallel training job. See docs/slipway-train.md.
#include <map>
#include <string>

#include <CLI/CLI.hpp>

#include "export/export_command.h"
#include "train/train_command.h"

int main(int argc, char** argv) {
    slipway::TrainCommand command;
    CLI::App app{
        "slipway-train: one rank of a data-parallel training job described by a YAML job spec.\n"
        "Rank and world size come from the environment (mpirun, torchrun-style RANK/WORLD_SIZE,\n"
        "Kubernetes JOB_COMPLETION_INDEX, Slurm); with none set it trains as a single rank.\n\n"
        "Examples:\n"
        "  slipway-train configs/fashion-mnist.yaml\n"
        "  slipway-train export --checkpoint checkpoints/fashion-mnist --repository models\n"
        "  mpirun -np 2 slipway-train configs/fashion-mnist.yaml --set train.epochs=1 \\\n"
        "      --metrics-file runs/metrics.jsonl --summary-file runs/summary.json\n\n"
        "Exit codes: 0 done, 1 internal error, 2 bad spec/flags/environment or refused by the\n"
        "rendezvous, 3 bad or missing data, 4 bad checkpoint or model repository, 10 a peer\n"
        "failed, a collective or the rendezvous timed out, 11 out of memory, 143 stopped by\n"
        "SIGTERM after a checkpoint.",
        "slipway-train"};
    // Not ->required(): `slipway-train export ...` has no spec; checked after parsing.
    app.add_option("spec", command.spec_path, "Job spec (YAML); see docs/spec.md")
        ->check(CLI::ExistingFile);
    app.add_option("--set", command.overrides,
                   "Override a spec value, e.g. --set train.epochs=3 (repeatable)")
        ->type_name("KEY.PATH=VALUE");
    app.add_option("--metrics-file", command.metrics_file,
                   "JSON lines: train steps at the log cadence, evaluations, the summary");
    app.add_option("--summary-file", command.summary_file,
                   "One JSON object with the run's results, written by rank 0 at the end");
    app.add_option("--log-level", command.log_level,
                   "trace|debug|info|warn|error|off (default: info on rank 0, warn elsewhere; "
                   "env SLIPWAY_LOG_LEVEL)");
    const std::map<std::string, slipway::CommChoice> comm_names = {
        {"auto", slipway::CommChoice::kAuto},
        {"mpi", slipway::CommChoice::kMpi},
        {"gloo", slipway::CommChoice::kGloo}};
    app.add_option("--comm", command.comm,
                   "Collectives: mpi (under mpirun/srun), gloo (TCP rendezvous at "
                   "MASTER_ADDR:MASTER_PORT, no MPI), auto (default: mpi under an MPI "
                   "launcher, gloo for RANK/WORLD_SIZE or JOB_COMPLETION_INDEX launches)")
        ->transform(CLI::CheckedTransformer(comm_names, CLI::ignore_case));
    app.add_option("--dump-parameters", command.dump_parameters,
                   "Write the final parameters as raw little-endian float32 (for comparisons)");

    slipway::ExportCommand export_command;
    int max_batch_size = 0;
    CLI::App* export_app = app.add_subcommand(
        "export",
        "Export a checkpoint as a new version of an ONNX model in a Triton model repository:\n"
        "<repository>/<name>/config.pbtxt, <repository>/<name>/<version>/model.onnx and\n"
        "slipway.json. Prints the version's folder. See docs/export.md.\n"
        "Exit codes: 0 done, 2 bad flags, 4 bad or missing checkpoint or a model repository\n"
        "problem, 1 internal error.");
    export_app->add_option("--checkpoint", export_command.checkpoint,
                           "Checkpoint file (ckpt-<step>.h5), or a checkpoint folder: its newest "
                           "valid checkpoint")
        ->required();
    export_app->add_option("--repository", export_command.repository,
                           "Model repository root (created if missing)")
        ->required();
    export_app->add_option("--name", export_command.name,
                           "Model name (default: the spec's export.name, else the job name)");
    export_app->add_option("--max-batch-size", max_batch_size,
                           "Triton max_batch_size (default: the spec's export.max_batch_size, 64)")
        ->check(CLI::PositiveNumber);
    export_app->add_option("--log-level", export_command.log_level,
                           "trace|debug|info|warn|error|off (default: info; env "
                           "SLIPWAY_LOG_LEVEL)");
    try {
        app.parse(argc, argv);
        if (!export_app->parsed() && command.spec_path.empty()) {
            throw CLI::RequiredError("spec");
        }
        if (export_app->parsed() && !command.spec_path.empty()) {
            throw CLI::ValidationError("spec",
                                       "give a job spec to train, or `export ...`, not both");
        }
    } catch (const CLI::ParseError& error) {
        int code = app.exit(error);
        return code == 0 ? 0 : 2;
    }
    if (export_app->parsed()) {
        if (max_batch_size > 0) export_command.max_batch_size = max_batch_size;
        return slipway::run_export_command(export_command);
    }
    return slipway::run_train_command(command);
}
