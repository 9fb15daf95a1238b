#include "train/model_setup.h"

#include <string>

namespace slipway {

Result<MlpConfig> resolve_model(const JobSpec& spec, const Dataset& data) {
    MlpConfig config;
    config.inputs = static_cast<int>(data.train.features);
    config.hidden = spec.model.hidden;
    config.activation = spec.model.activation;
    config.dropout = spec.model.dropout;

    const std::string where = spec.source_path.empty() ? "spec" : spec.source_path;
    LossKind loss = spec.model.loss;
    if (loss == LossKind::kAuto) {
        loss = data.is_classification() ? LossKind::kCrossEntropy : LossKind::kMse;
    }
    if (loss == LossKind::kCrossEntropy && !data.is_classification()) {
        return spec_error(where, "model.loss is cross_entropy but " + spec.data.path +
                                     " holds regression targets (num_classes = 0)",
                          "use loss: mse or auto");
    }
    if (loss == LossKind::kMse && data.is_classification()) {
        return spec_error(where, "model.loss is mse but " + spec.data.path + " holds " +
                                     std::to_string(data.num_classes) + " classes",
                          "use loss: cross_entropy or auto");
    }
    config.loss = loss;
    config.outputs = data.is_classification() ? data.num_classes
                                              : static_cast<int>(data.train.target_width);

    InitScheme init = spec.model.init;
    if (init == InitScheme::kAuto) {
        init = spec.model.activation == Activation::kTanh ? InitScheme::kXavier : InitScheme::kHe;
    }
    config.init = init;
    return config;
}

}  // namespace slipway
