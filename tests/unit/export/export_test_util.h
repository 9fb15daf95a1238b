#pragma once

// Helpers shared by the export tests: small models with distinct parameters, graph sources
// and checkpoint states built from them.

#include <cmath>
#include <string>
#include <vector>

#include "checkpoint/checkpoint.h"
#include "export/onnx_graph.h"
#include "model/mlp_config.h"

namespace slipway::testing {

inline MlpConfig small_mlp(Activation activation, LossKind loss = LossKind::kCrossEntropy) {
    MlpConfig config;
    config.inputs = 5;
    config.hidden = {6, 4};
    config.outputs = loss == LossKind::kCrossEntropy ? 3 : 2;
    config.activation = activation;
    config.dropout = 0.25;  // training only: absent from the graph
    config.loss = loss;
    config.init = InitScheme::kHe;
    return config;
}

// Every parameter different, so a swapped weight or bias shows.
inline std::vector<float> distinct_parameters(const MlpConfig& config) {
    std::vector<float> values(parameter_count(config));
    for (size_t i = 0; i < values.size(); ++i) {
        values[i] = 0.5f * std::sin(0.37f * static_cast<float>(i) + 0.1f);
    }
    return values;
}

inline const std::vector<float> kMean = {0.5f, 10.0f, -3.0f, 0.0f, 7.25f};
inline const std::vector<float> kStd = {2.0f, 0.0f, 4.0f, 1e-8f, 0.5f};  // two unusable

inline GraphSource graph_source(const MlpConfig& config, const std::vector<float>& parameters,
                                bool standardize) {
    GraphSource source;
    source.config = config;
    source.parameters = parameters;
    if (standardize) {
        source.feature_mean = kMean;
        source.feature_divisor = standardization_divisors(kStd);
    }
    if (config.loss == LossKind::kCrossEntropy) source.class_names = {"cat", "dog", "\xc3\xa9l"};
    source.graph_name = "test";
    return source;
}

inline std::string spec_text(const std::string& extra = {}) {
    return "name: unit-job\n"
           "data:\n  path: data/x.h5\n  standardize: true\n"
           "model:\n  hidden: [6, 4]\n  activation: gelu\n"
           "train:\n  epochs: 2\n  optimizer: {name: sgd, lr: 0.05}\n" +
           extra;
}

// A checkpoint state as the trainer writes it for `config`.
inline CheckpointState checkpoint_state(const MlpConfig& config, const std::string& spec) {
    CheckpointState state;
    state.step = 40;
    state.epoch = 2;
    state.global_batch = 64;
    state.world_size = 2;
    state.seed = 42;
    state.model = config;
    state.parameters = distinct_parameters(config);
    state.optimizer_name = "sgd";
    state.optimizer.push_back({"momentum", std::vector<float>(state.parameters.size(), 0.0f)});
    state.optimizer_steps = 40;
    state.learning_rate = 0.05;
    state.spec_text = spec;
    state.num_classes = config.loss == LossKind::kCrossEntropy ? config.outputs : 0;
    if (config.loss == LossKind::kCrossEntropy) state.class_names = {"cat", "dog", "\xc3\xa9l"};
    state.feature_mean = kMean;
    state.feature_std = kStd;
    state.standardize = true;
    state.eval_epoch = 2;
    state.test_loss = 0.25;
    state.test_accuracy = 0.875;
    return state;
}

}  // namespace slipway::testing
