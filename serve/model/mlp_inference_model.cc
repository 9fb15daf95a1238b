#include "serve/model/mlp_inference_model.h"

#include <span>
#include <utility>

#include "serve/model/softmax.h"

namespace slipway::serve {

ModelInfo model_info_for(const ExportedModel& exported, const std::string& name, int64_t version,
                         size_t max_rows) {
    ModelInfo info;
    info.name = name;
    info.version = version;
    info.signature.input_name = exported.input_name;
    info.signature.output_names = exported.output_names;
    info.signature.limits = {static_cast<size_t>(exported.config.inputs), max_rows};
    info.output_width = static_cast<size_t>(exported.config.outputs);
    info.classification = exported.is_classification();
    info.class_names = exported.class_names;
    info.multiply_adds_per_row = exported.parameters.size();
    info.description = model_signature(exported.config);
    return info;
}

MlpInferenceModel::MlpInferenceModel(ExportedModel exported, ModelInfo info)
    : exported_(std::move(exported)), info_(std::move(info)) {
    // Builds the first instance now, so a bad size fails at load and not later, and times it.
    std::unique_ptr<Model> model = borrow();
    const size_t inputs = info_.signature.limits.features;
    std::vector<float> rows(kLargestPlannedBatch * inputs, 0.0f);
    std::vector<float> outputs(kLargestPlannedBatch * info_.output_width);
    plan_ = time_passes([&](size_t count) { model->predict(rows.data(), count, outputs.data()); },
                        kLargestPlannedBatch);
    give_back(std::move(model));
}

std::unique_ptr<Model> MlpInferenceModel::borrow() {
    {
        std::lock_guard lock(pool_mutex_);
        if (!pool_.empty()) {
            std::unique_ptr<Model> model = std::move(pool_.back());
            pool_.pop_back();
            return model;
        }
    }
    std::unique_ptr<Model> model = make_cpu_model(exported_.config);
    model->load_parameters(exported_.parameters);
    return model;
}

void MlpInferenceModel::give_back(std::unique_ptr<Model> model) {
    std::lock_guard lock(pool_mutex_);
    pool_.push_back(std::move(model));
}

Predictions MlpInferenceModel::infer(const float* features, size_t rows) {
    const size_t inputs = info_.signature.limits.features;
    const size_t width = info_.output_width;
    const float* x = features;
    std::vector<float> standardized;
    if (exported_.standardizes()) {
        standardized.resize(rows * inputs);
        for (size_t r = 0; r < rows; ++r) {
            for (size_t f = 0; f < inputs; ++f) {
                const size_t i = r * inputs + f;
                standardized[i] =
                    (features[i] - exported_.feature_mean[f]) / exported_.feature_divisor[f];
            }
        }
        x = standardized.data();
    }

    Predictions out;
    out.rows = rows;
    out.width = width;
    out.classification = info_.classification;
    out.model_name = info_.name;
    out.model_version = info_.version;
    out.outputs.emplace_back(rows * width);
    std::unique_ptr<Model> model = borrow();
    size_t done = 0;
    for (size_t piece : plan_.pieces(rows)) {
        model->predict(x + done * inputs, piece, out.outputs[0].data() + done * width);
        done += piece;
    }
    give_back(std::move(model));
    if (info_.classification) {
        out.outputs.emplace_back(rows * width);
        softmax_rows(out.outputs[0].data(), rows, width, out.outputs[1].data());
    }
    return out;
}

}  // namespace slipway::serve
