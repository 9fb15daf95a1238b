#include "train/train_command.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <new>

#include <spdlog/spdlog.h>

#include "comm/communicator.h"
#include "comm/rank_discovery.h"
#include "common/log.h"
#include "common/system_error.h"
#include "data/batch_plan.h"
#include "data/dataset_file.h"
#include "metrics/metrics_log.h"
#include "metrics/process_stats.h"
#include "model/model.h"
#include "optim/optimizer.h"
#include "spec/spec_parser.h"
#include "train/cpu_runtime.h"
#include "train/model_setup.h"
#include "train/trainer.h"

namespace slipway {
namespace {

int fail(const Error& error) {
    spdlog::error("{}", error.message());
    return to_int(error.code);
}

Status write_parameters(const std::string& path, const Model& model) {
    std::vector<float> host(model.parameter_count());
    model.store_parameters(host);
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr) return spec_error(path, "cannot write --dump-parameters file");
    const size_t written = std::fwrite(host.data(), sizeof(float), host.size(), file);
    std::fclose(file);
    if (written != host.size()) return spec_error(path, "short write of parameters");
    return Status::success();
}

int train(const TrainCommand& command, const RankInfo& ranks) {
    const auto program_start = std::chrono::steady_clock::now();

    std::vector<SpecOverride> overrides;
    for (const auto& text : command.overrides) {
        auto parsed = parse_override(text);
        if (!parsed.ok()) return fail(parsed.error());
        overrides.push_back(*parsed);
    }
    auto spec = load_job_spec(command.spec_path, overrides);
    if (!spec.ok()) return fail(spec.error());

    // Data before MPI: a bad file ends every rank with exit 3 without a half-built job.
    auto data = read_dataset_file(spec->data.path);
    if (!data.ok()) return fail(data.error());
    if (spec->data.standardize) {
        standardize(data->train, data->feature_mean, data->feature_std);
        standardize(data->test, data->feature_mean, data->feature_std);
    }
    auto config = resolve_model(*spec, *data);
    if (!config.ok()) return fail(config.error());
    if (data->train.rows == 0) {
        return fail(data_error(spec->data.path, "/train/x has no rows"));
    }

    auto comm = make_communicator(ranks, spec->train.collective_timeout);
    if (!comm.ok()) return fail(comm.error());
    Communicator& communicator = **comm;

    RunContext context;
    const int ranks_on_node = std::max(1, communicator.local_size());
    context.threads_per_rank =
        configure_cpu_threads(spec->train.threads_per_rank, usable_cpus(), ranks_on_node);
    context.blas = blas_description();
    spdlog::info("slipway-train: {} rank(s) via {} ({}), device cpu, BLAS {}",
                 communicator.size(), communicator.name(), ranks.evidence, context.blas);

    MetricsLog metrics;
    if (communicator.rank() == 0 && !command.metrics_file.empty()) {
        auto opened = MetricsLog::open(command.metrics_file, metrics);
        if (!opened.ok()) return fail(opened.error());
    }

    auto model = make_cpu_model(*config);
    auto optimizer = make_cpu_optimizer(spec->train.optimizer, spec->train.clip_grad_norm,
                                        model->parameter_count());
    Trainer trainer(*spec, *data, communicator, *model, *optimizer, metrics, context);
    trainer.initialize_parameters();
    nlohmann::json summary = trainer.run();
    summary["wall_seconds"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - program_start).count();
    summary["spec"] = spec->source_path;

    if (communicator.rank() == 0) {
        metrics.write(summary);
        if (!command.summary_file.empty()) {
            Status written = write_json_file(command.summary_file, summary);
            if (!written.ok()) return fail(written.error());
        }
        if (!command.dump_parameters.empty()) {
            Status written = write_parameters(command.dump_parameters, *model);
            if (!written.ok()) return fail(written.error());
        }
        spdlog::info("done: {} steps, {:.0f} samples/s, test accuracy {}, test loss {:.4f}, "
                     "{:.1f} s",
                     summary["steps"].get<int64_t>(),
                     summary["train_samples_per_sec"].get<double>(),
                     summary["test_accuracy"].dump(), summary["test_loss"].get<double>(),
                     summary["wall_seconds"].get<double>());
        if (!command.metrics_file.empty()) spdlog::info("metrics: {}", command.metrics_file);
        if (!command.summary_file.empty()) spdlog::info("summary: {}", command.summary_file);
    }
    communicator.barrier();
    return 0;
}

}  // namespace

int run_train_command(const TrainCommand& command) {
    auto ranks = discover_ranks(process_environment());
    init_logging(ranks.ok() ? ranks->rank : 0, command.log_level);
    if (command.log_level && !parse_log_level(*command.log_level)) {
        return fail(spec_error("--log-level", "unknown level '" + *command.log_level + "'",
                               "use trace, debug, info, warn, error or off"));
    }
    if (!ranks.ok()) return fail(ranks.error());
    try {
        return train(command, *ranks);
    } catch (const PeerFailure& failure) {
        spdlog::error("{}", failure.what());
        return to_int(ExitCode::kPeerFailed);
    } catch (const MpiError& failure) {
        spdlog::error("{}", failure.what());
        return to_int(ExitCode::kPeerFailed);
    } catch (const Hdf5Error& failure) {
        spdlog::error("{}", failure.what());
        return to_int(ExitCode::kBadData);
    } catch (const std::bad_alloc&) {
        spdlog::error("out of memory: an allocation failed (peak RSS {:.0f} MiB)", peak_rss_mb());
        return to_int(ExitCode::kOutOfMemory);
    }
}

}  // namespace slipway
