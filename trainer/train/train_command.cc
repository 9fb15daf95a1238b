#include "train/train_command.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <new>

#include <spdlog/spdlog.h>

#include "comm/communicator.h"
#include "comm/rank_discovery.h"
#include "common/exit_status_file.h"
#include "common/log.h"
#include "common/stop_signal.h"
#include "common/system_error.h"
#include "data/dataset_file.h"
#include "metrics/metrics_log.h"
#include "metrics/observer_list.h"
#include "metrics/process_stats.h"
#include "model/model.h"
#include "optim/optimizer.h"
#include "spec/spec_parser.h"
#include "tracking/tracking.h"
#include "train/checkpointing.h"
#include "train/cpu_runtime.h"
#include "train/model_setup.h"
#include "train/trainer.h"

namespace slipway {
namespace {

using Clock = std::chrono::steady_clock;

int fail(const Error& error) {
    spdlog::error("{}", error.message());
    return to_int(error.code);
}

// Everything checked before MPI starts, so a bad input ends every rank with the same exit
// code and message and no rank is left waiting in a collective.
struct PreparedJob {
    JobSpec spec;
    Dataset data;
    MlpConfig model;
};

// An output file's folder must exist and be writable: found now, not after hours of training.
Status check_output_path(const std::string& flag, const std::string& path) {
    if (path.empty()) return Status::success();
    std::filesystem::path folder = std::filesystem::path(path).parent_path();
    if (folder.empty()) folder = ".";
    if (!std::filesystem::is_directory(folder) || ::access(folder.c_str(), W_OK) != 0) {
        return spec_error(flag + " " + path, "folder '" + folder.string() +
                                                 "' does not exist or is not writable",
                          "create it first or choose another path");
    }
    return Status::success();
}

Result<PreparedJob> prepare(const TrainCommand& command, const RankInfo& ranks) {
    std::vector<SpecOverride> overrides;
    for (const auto& text : command.overrides) {
        auto parsed = parse_override(text);
        SLIPWAY_RETURN_IF_ERROR(parsed);
        overrides.push_back(*parsed);
    }
    auto spec = load_job_spec(command.spec_path, overrides);
    SLIPWAY_RETURN_IF_ERROR(spec);
    if (ranks.rank == 0) {
        SLIPWAY_RETURN_IF_ERROR(check_output_path("--metrics-file", command.metrics_file));
        SLIPWAY_RETURN_IF_ERROR(check_output_path("--summary-file", command.summary_file));
        SLIPWAY_RETURN_IF_ERROR(check_output_path("--dump-parameters", command.dump_parameters));
    }
    auto data = read_dataset_file(spec->data.path);
    SLIPWAY_RETURN_IF_ERROR(data);
    if (data->train.rows == 0) return data_error(spec->data.path, "/train/x has no rows");
    if (spec->data.standardize) {
        standardize(data->train, data->feature_mean, data->feature_std);
        standardize(data->test, data->feature_mean, data->feature_std);
    }
    auto model = resolve_model(*spec, *data);
    SLIPWAY_RETURN_IF_ERROR(model);
    return PreparedJob{std::move(*spec), std::move(*data), std::move(*model)};
}

Status write_parameters(const std::string& path, const Model& model) {
    std::vector<float> host(model.parameter_count());
    model.store_parameters(host);
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr) return spec_error(path, "cannot write --dump-parameters file");
    const size_t written = std::fwrite(host.data(), sizeof(float), host.size(), file);
    const bool closed = std::fclose(file) == 0;
    if (written != host.size() || !closed) return spec_error(path, "short write of parameters");
    return Status::success();
}

RunOutcome outcome_of(const TrainingOutcome& outcome) {
    if (outcome.checkpoint_failed) return RunOutcome::kFailed;
    return outcome.stopped ? RunOutcome::kStopped : RunOutcome::kFinished;
}

// Rank 0's files at the end. A failure here is rank 0's alone.
Status write_outputs(const TrainCommand& command, const TrainingOutcome& outcome,
                     const Model& model, TrainingObserver& observers) {
    const nlohmann::json& summary = outcome.summary;
    observers.on_end(summary, outcome_of(outcome));
    if (!command.summary_file.empty()) {
        SLIPWAY_RETURN_IF_ERROR(write_json_file(command.summary_file, summary));
    }
    if (!command.dump_parameters.empty()) {
        SLIPWAY_RETURN_IF_ERROR(write_parameters(command.dump_parameters, model));
    }
    return Status::success();
}

std::string four_digits(const nlohmann::json& value) {
    return value.is_number() ? fmt::format("{:.4f}", value.get<double>()) : "n/a";
}

void log_result(const TrainCommand& command, const TrainingOutcome& outcome) {
    const nlohmann::json& summary = outcome.summary;
    spdlog::info("{}: {} steps, {:.0f} samples/s, test accuracy {}, test loss {}, {:.1f} s",
                 outcome.stopped ? "stopped" : "done", summary["steps"].get<int64_t>(),
                 summary["train_samples_per_sec"].get<double>(),
                 four_digits(summary["test_accuracy"]), four_digits(summary["test_loss"]),
                 summary["wall_seconds"].get<double>());
    if (!command.metrics_file.empty()) spdlog::info("metrics: {}", command.metrics_file);
    if (!command.summary_file.empty()) spdlog::info("summary: {}", command.summary_file);
}

// The part of the job that runs with the communicator up. Every failure that only this rank
// sees ends the whole job through comm.abort(), so no peer waits out its deadline.
int train_with(const TrainCommand& command, const RankInfo& ranks, PreparedJob& job,
               Communicator& comm, Clock::time_point program_start) {
    const JobSpec& spec = job.spec;
    RunContext context;
    context.threads_per_rank = configure_cpu_threads(spec.train.threads_per_rank,
                                                     usable_cpus(), online_cpus(),
                                                     std::max(1, comm.local_size()));
    context.blas = blas_description();
    spdlog::info("slipway-train: {} rank(s) via {} ({}), device cpu, BLAS {}", comm.size(),
                 comm.name(), ranks.evidence, context.blas);

    auto model = make_cpu_model(job.model);
    auto optimizer = make_cpu_optimizer(spec.train.optimizer, spec.train.clip_grad_norm,
                                        model->parameter_count());
    auto resume = resume_from_checkpoint(spec, comm, *model, *optimizer);
    if (!resume.ok()) return fail(resume.error());  // every rank returns the same code

    // A resumed run appends to the metrics of the run it continues.
    MetricsLog metrics;
    if (comm.rank() == 0 && !command.metrics_file.empty()) {
        auto opened = MetricsLog::open(command.metrics_file, metrics, resume->resumed);
        if (!opened.ok()) {
            const int code = fail(opened.error());
            comm.abort(code, opened.error().message());
            return code;
        }
    }
    // The metrics log first, then the trackers (rank 0; docs/tracking.md).
    ObserverList observers;
    observers.add(metrics);
    std::vector<std::unique_ptr<TrainingObserver>> trackers;
    if (comm.rank() == 0) {
        auto started = tracking::start_trackers(spec, process_environment(),
                                                {tracking::host_name(), comm.size()});
        if (!started.ok()) {
            const int code = fail(started.error());
            comm.abort(code, started.error().message());
            return code;
        }
        trackers = std::move(*started);
        for (auto& tracker : trackers) observers.add(*tracker);
    }
    Trainer trainer(spec, job.data, comm, *model, *optimizer, observers, context);
    if (resume->resumed) {
        trainer.resume_at(resume->position, resume->last_eval);
    } else {
        trainer.initialize_parameters();
    }
    TrainingOutcome outcome = trainer.run();
    outcome.summary["wall_seconds"] =
        std::chrono::duration<double>(Clock::now() - program_start).count();
    outcome.summary["spec"] = spec.source_path;

    if (comm.rank() == 0) {
        Status written = write_outputs(command, outcome, *model, observers);
        if (!written.ok()) {
            const int code = fail(written.error());
            comm.abort(code, written.error().message());
            return code;
        }
        log_result(command, outcome);
    }
    comm.barrier();
    if (outcome.checkpoint_failed) return to_int(ExitCode::kBadCheckpoint);
    return to_int(outcome.stopped ? ExitCode::kPreempted : ExitCode::kOk);
}

// The environment wins over the spec for the token (a Secret) and the rendezvous bound.
Result<CommOptions> communicator_options(const TrainCommand& command, const JobSpec& spec,
                                         const MlpConfig& model) {
    CommOptions options;
    options.choice = command.comm;
    options.collective_timeout = spec.train.collective_timeout;
    options.rendezvous_timeout = spec.train.rendezvous_timeout;
    if (const char* text = std::getenv("SLIPWAY_RENDEZVOUS_TIMEOUT")) {
        char* end = nullptr;
        const double seconds = std::strtod(text, &end);
        if (end == text || *end != '\0' || !(seconds > 0)) {
            return spec_error("environment",
                              std::string("SLIPWAY_RENDEZVOUS_TIMEOUT='") + text +
                                  "' is not a positive number of seconds");
        }
        options.rendezvous_timeout = seconds;
    }
    options.job_token = spec.train.job_token.empty() ? spec.name : spec.train.job_token;
    if (const char* token = std::getenv("SLIPWAY_JOB_TOKEN"); token && *token) {
        options.job_token = token;
    }
    // Kubernetes mounts the token's Secret as a file (safer than an env var: it stays out of
    // `kubectl describe` and of child processes' environments).
    if (const char* path = std::getenv("SLIPWAY_JOB_TOKEN_FILE"); path && *path) {
        std::ifstream in(path);
        std::string token;
        if (!in || !std::getline(in, token) || token.empty()) {
            return spec_error(std::string("SLIPWAY_JOB_TOKEN_FILE=") + path,
                              "cannot read the job token from this file, or it is empty",
                              "mount the Secret named by kubernetes.jobTokenSecret (key `token`)");
        }
        options.job_token = token;
    }
    options.signature = model_signature(model);
    return options;
}

int train(const TrainCommand& command, const RankInfo& ranks) {
    const auto program_start = Clock::now();
    auto job = prepare(command, ranks);
    if (!job.ok()) return fail(job.error());

    auto options = communicator_options(command, job->spec, job->model);
    if (!options.ok()) return fail(options.error());
    auto comm = make_communicator(ranks, *options);
    if (!comm.ok()) return fail(comm.error());
    Communicator& communicator = **comm;
    try {
        return train_with(command, ranks, *job, communicator, program_start);
    } catch (const PeerFailure& failure) {
        spdlog::error("{}", failure.what());
        communicator.abort(to_int(ExitCode::kPeerFailed), failure.what());
        return to_int(ExitCode::kPeerFailed);
    } catch (const MpiError& failure) {
        spdlog::error("{}", failure.what());
        communicator.abort(to_int(ExitCode::kPeerFailed), failure.what());
        return to_int(ExitCode::kPeerFailed);
    } catch (const std::bad_alloc&) {
        const std::string message = fmt::format(
            "out of memory: an allocation failed (peak RSS {:.0f} MiB)", peak_rss_mb());
        spdlog::error("{}", message);
        communicator.abort(to_int(ExitCode::kOutOfMemory), message);
        return to_int(ExitCode::kOutOfMemory);
    } catch (const std::exception& failure) {
        // Hdf5Error (a checkpoint volume gone bad) and anything unexpected: this rank alone.
        const int code = dynamic_cast<const Hdf5Error*>(&failure) != nullptr
                             ? to_int(ExitCode::kBadCheckpoint)
                             : to_int(ExitCode::kInternal);
        spdlog::error("{}", failure.what());
        communicator.abort(code, failure.what());
        return code;
    }
}

}  // namespace

namespace {

int run_checked(const TrainCommand& command, const Result<RankInfo>& ranks) {
    init_logging(ranks.ok() ? ranks->rank : 0, command.log_level);
    if (command.log_level && !parse_log_level(*command.log_level)) {
        return fail(spec_error("--log-level", "unknown level '" + *command.log_level + "'",
                               "use trace, debug, info, warn, error or off"));
    }
    if (!ranks.ok()) return fail(ranks.error());
    install_stop_signal_handlers();
    try {
        return train(command, *ranks);
    } catch (const Hdf5Error& failure) {
        spdlog::error("{}", failure.what());  // reading the data file
        return to_int(ExitCode::kBadData);
    } catch (const MpiError& failure) {
        spdlog::error("{}", failure.what());  // MPI_Init and friends
        return to_int(ExitCode::kPeerFailed);
    } catch (const std::bad_alloc&) {
        spdlog::error("out of memory: an allocation failed (peak RSS {:.0f} MiB)", peak_rss_mb());
        return to_int(ExitCode::kOutOfMemory);
    } catch (const std::exception& failure) {
        spdlog::error("unexpected error (please report it): {}", failure.what());
        return to_int(ExitCode::kInternal);
    }
}

}  // namespace

int run_train_command(const TrainCommand& command) {
    auto ranks = discover_ranks(process_environment());
    const int code = run_checked(command, ranks);
    write_exit_status(ranks.ok() ? ranks->rank : 0, code);
    return code;
}

}  // namespace slipway
