#include "export/model_metadata.h"

#include <cmath>
#include <ctime>

#include "export/graph_names.h"
#include "export/recipe_hash.h"

namespace slipway {
namespace {

using namespace export_graph;

nlohmann::json tensor(const std::string& name, int width) {
    return {{"name", name}, {"datatype", "FP32"}, {"shape", {-1, width}}};
}

nlohmann::json number_or_null(double value) {
    return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json model_metadata(const MetadataSource& source) {
    const CheckpointState& state = *source.state;
    const MlpConfig& model = state.model;
    const bool classification = model.loss == LossKind::kCrossEntropy;
    nlohmann::json outputs = nlohmann::json::array();
    if (classification) {
        outputs.push_back(tensor(kLogits, model.outputs));
        outputs.push_back(tensor(kProbabilities, model.outputs));
    } else {
        outputs.push_back(tensor(kPredictions, model.outputs));
    }
    return {
        {"format", "slipway-model"},
        {"format_version", 1},
        {"name", source.model_name},
        {"created", source.created},
        {"platform", "onnxruntime_onnx"},
        {"opset", kOpset},
        {"task", classification ? "classification" : "regression"},
        {"inputs", {tensor(kInput, model.inputs)}},
        {"outputs", outputs},
        {"class_names", state.class_names},
        {"standardize", state.standardize},
        {"model",
         {{"signature", model_signature(model)},
          {"inputs", model.inputs},
          {"hidden", model.hidden},
          {"outputs", model.outputs},
          {"activation", to_string(model.activation)},
          {"loss", to_string(model.loss)},
          {"parameters", state.parameters.size()}}},
        {"metrics",
         {{"test_loss", number_or_null(state.test_loss)},
          {"test_accuracy", number_or_null(state.test_accuracy)},
          {"eval_epoch", state.eval_epoch}}},
        {"recipe_hash", recipe_hash(*source.spec)},
        {"recipe", recipe_json(*source.spec)},
        {"source",
         {{"job", source.spec->name},
          {"checkpoint", source.checkpoint_path},
          {"step", state.step},
          {"epoch", state.epoch},
          {"world_size", state.world_size}}},
    };
}

std::string utc_now_iso8601() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

}  // namespace slipway
