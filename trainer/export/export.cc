#include "export/export.h"

#include <onnx/checker.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <utility>

#include "checkpoint/checkpoint.h"
#include "export/exported_model.h"
#include "export/graph_names.h"
#include "export/model_metadata.h"
#include "export/model_repository.h"
#include "export/onnx_graph.h"
#include "export/triton_config.h"
#include "spec/spec_parser.h"

namespace slipway {
namespace {

using namespace export_graph;

Error checkpoint_problem(const std::string& where, std::string what, std::string hint) {
    return Error{ExitCode::kBadCheckpoint, std::move(what), where, std::move(hint)};
}

// The checkpoint file itself, or the newest valid one in a folder.
Result<std::pair<std::string, CheckpointState>> load_checkpoint(const std::string& path) {
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) {
        auto newest = load_newest_checkpoint(path, [](const std::string&, const Error& why) {
            spdlog::warn("skipping checkpoint {}", why.message());  // names the file
        });
        if (!newest) {
            return checkpoint_problem(path, "no valid checkpoint (ckpt-*.h5) in this folder",
                                      "point --checkpoint at a checkpoint file or at the "
                                      "job's checkpoint.dir");
        }
        return std::move(*newest);
    }
    if (!std::filesystem::exists(path, error)) {
        return checkpoint_problem(path, "no such checkpoint file",
                                  "checkpoints are <checkpoint.dir>/ckpt-<step>.h5");
    }
    auto state = read_checkpoint(path);
    SLIPWAY_RETURN_IF_ERROR(state);
    return std::make_pair(path, std::move(*state));
}

Result<JobSpec> stored_spec(const std::string& checkpoint, const CheckpointState& state) {
    auto spec = parse_job_spec(state.spec_text, checkpoint + ":/spec");
    if (!spec.ok()) {
        return checkpoint_problem(
            checkpoint,
            "the job spec stored in the checkpoint does not parse: " + spec.error().message(),
            "export with the slipway version that wrote the checkpoint");
    }
    return spec;
}

std::string choose_name(const ExportRequest& request, const JobSpec& spec) {
    if (!request.name.empty()) return request.name;
    return spec.model_export.name.empty() ? spec.name : spec.model_export.name;
}

Result<GraphSource> graph_source(const std::string& checkpoint, const CheckpointState& state,
                                 const std::string& name) {
    GraphSource source;
    source.config = state.model;
    source.parameters = state.parameters;
    source.class_names = state.class_names;
    source.graph_name = name;
    source.doc = "slipway MLP " + model_signature(state.model) + " from " + checkpoint + " (step " +
                 std::to_string(state.step) + ")";
    if (state.standardize) {
        const auto inputs = static_cast<size_t>(state.model.inputs);
        if (state.feature_mean.size() != inputs || state.feature_std.size() != inputs) {
            return checkpoint_problem(
                checkpoint,
                "the model standardises its inputs but the checkpoint holds " +
                    std::to_string(state.feature_mean.size()) + " means and " +
                    std::to_string(state.feature_std.size()) + " stds for " +
                    std::to_string(inputs) + " features",
                "retrain from a data file with feature_mean/feature_std (slipway-data writes "
                "them)");
        }
        source.feature_mean = state.feature_mean;
        source.feature_divisor = standardization_divisors(state.feature_std);
    }
    if (!state.class_names.empty() &&
        state.class_names.size() != static_cast<size_t>(state.model.outputs)) {
        source.class_names.clear();  // names that do not fit the outputs label nothing
        spdlog::warn("{}: {} class names for {} outputs: exported without names", checkpoint,
                     state.class_names.size(), state.model.outputs);
    }
    return source;
}

// Builds, checks and serializes the graph; reads it back as slipway-serve will.
Result<std::string> serialized_model(const GraphSource& source, const std::string& checkpoint) {
    const onnx::ModelProto model = build_onnx_model(source);
    try {
        onnx::checker::check_model(model);
    } catch (const std::exception& failure) {
        return Error{ExitCode::kInternal,
                     std::string("the exported graph fails onnx::checker: ") + failure.what(),
                     checkpoint, "please report this as a bug"};
    }
    std::string bytes;
    if (!model.SerializeToString(&bytes)) {
        return Error{ExitCode::kInternal, "serializing the ONNX model failed (over 2 GiB?)",
                     checkpoint, "please report this as a bug"};
    }
    auto reread = parse_exported_model(bytes, checkpoint + " (exported graph)");
    if (!reread.ok()) {
        return Error{ExitCode::kInternal,
                     "slipway cannot read back its own export: " + reread.error().message(),
                     checkpoint, "please report this as a bug"};
    }
    return bytes;
}

std::vector<TensorShape> output_shapes(const MlpConfig& model) {
    if (model.loss == LossKind::kCrossEntropy) {
        return {{kLogits, model.outputs}, {kProbabilities, model.outputs}};
    }
    return {{kPredictions, model.outputs}};
}

}  // namespace

Result<ExportResult> export_checkpoint(const ExportRequest& request) {
    auto loaded = load_checkpoint(request.checkpoint);
    SLIPWAY_RETURN_IF_ERROR(loaded);
    const std::string checkpoint = std::filesystem::absolute(loaded->first).string();
    const CheckpointState& state = loaded->second;
    auto spec =
        request.run_spec ? Result<JobSpec>(*request.run_spec) : stored_spec(checkpoint, state);
    SLIPWAY_RETURN_IF_ERROR(spec);

    const std::string name = choose_name(request, *spec);
    if (!valid_model_name(name)) {
        return spec_error(request.name.empty() ? checkpoint + ":/spec export.name" : "--name",
                          "'" + name + "' is not a usable model name",
                          "use 1-128 letters, digits, '_', '.' or '-', not starting with '.' "
                          "or '-'");
    }
    const int max_batch_size = request.max_batch_size.value_or(spec->model_export.max_batch_size);
    if (max_batch_size < 1) {
        return spec_error("export.max_batch_size",
                          "must be >= 1, got " + std::to_string(max_batch_size),
                          "Triton batches along the first dimension up to this size");
    }

    auto source = graph_source(checkpoint, state, name);
    SLIPWAY_RETURN_IF_ERROR(source);
    auto bytes = serialized_model(*source, checkpoint);
    SLIPWAY_RETURN_IF_ERROR(bytes);

    VersionContent content;
    content.model_onnx = std::move(*bytes);
    content.metadata = model_metadata({&state, &*spec, checkpoint, name, utc_now_iso8601()});
    content.config_pbtxt = triton_config(name, max_batch_size, {kInput, state.model.inputs},
                                         output_shapes(state.model));
    auto published = publish_version(request.repository, name, content);
    SLIPWAY_RETURN_IF_ERROR(published);

    ExportResult result;
    result.checkpoint = checkpoint;
    result.step = state.step;
    result.name = name;
    result.version = published->version;
    result.version_dir = published->version_dir;
    result.model_path = published->version_dir + "/model.onnx";
    return result;
}

Result<ExportResult> export_after_training(const JobSpec& spec) {
    const std::vector<std::string> checkpoints = list_checkpoints(spec.checkpoint_dir());
    if (checkpoints.empty()) {
        return checkpoint_problem(spec.checkpoint_dir(), "no checkpoint to export",
                                  "the final checkpoint should be here: check the log above");
    }
    ExportRequest request;
    request.checkpoint = checkpoints.front();
    request.repository = spec.model_export.repository;
    request.run_spec = &spec;
    auto result = export_checkpoint(request);
    if (result.ok()) {
        spdlog::info("exported step {} as model '{}' version {}: {}", result->step, result->name,
                     result->version, result->model_path);
    }
    return result;
}

}  // namespace slipway
