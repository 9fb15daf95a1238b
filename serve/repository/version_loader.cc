#include "serve/repository/version_loader.h"

#include <exception>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "export/exported_model.h"
#include "serve/model/mlp_inference_model.h"

namespace slipway::serve {

Result<std::shared_ptr<InferenceModel>> load_version(const std::string& repository,
                                                     const std::string& name, int64_t version,
                                                     size_t max_rows) {
    const std::string path =
        (std::filesystem::path(repository) / name / std::to_string(version) / "model.onnx")
            .string();
    Result<ExportedModel> exported = read_exported_model(path);
    if (!exported) return exported.error();
    ModelInfo info = model_info_for(exported.value(), name, version, max_rows);
    try {
        auto model =
            std::make_shared<MlpInferenceModel>(std::move(exported).value(), std::move(info));
        spdlog::debug("model {} version {}: forward pass times {}", name, version,
                      model->pass_plan().describe());
        return std::shared_ptr<InferenceModel>(std::move(model));
    } catch (const std::exception& error) {  // sizes that disagree with the config
        return Error{ExitCode::kBadCheckpoint,
                     std::string("cannot build the model: ") + error.what(), path,
                     "re-export the model with slipway-train export"};
    }
}

}  // namespace slipway::serve
