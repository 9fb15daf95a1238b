#pragma once

// Helpers shared by the checkpoint tests: a scratch directory, checkpoint states with every
// field set, and raw file edits.

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "checkpoint/checkpoint.h"
#include "model/mlp_config.h"
#include "temp_dir.h"

namespace slipway::testing {

inline MlpConfig small_model() {
    MlpConfig model;
    model.inputs = 6;
    model.hidden = {5, 4};
    model.outputs = 3;
    model.activation = Activation::kGelu;
    model.dropout = 0.25;
    model.loss = LossKind::kCrossEntropy;
    model.init = InitScheme::kXavier;
    return model;
}

// Parameter i of a checkpoint at `step`: distinct per step and per index, so a test can tell
// checkpoints apart and find the bytes of /parameters in the file.
inline float parameter_value(int64_t step, size_t i) {
    return 1000.0f * static_cast<float>(step % 1000) + static_cast<float>(i % 4096) * 0.25f;
}

enum class Optim { kSgdMomentum, kSgdPlain, kAdamW };

// A state with every field away from its default.
inline CheckpointState make_state(int64_t step, const MlpConfig& model = small_model(),
                                  Optim optim = Optim::kSgdMomentum, bool class_names = true) {
    CheckpointState state;
    state.step = step;
    state.epoch = 3;
    state.position = 1234;
    state.global_batch = 256;
    state.world_size = 4;
    state.seed = 0xfedcba9876543210ULL;
    state.model = model;
    const size_t count = parameter_count(model);
    state.parameters.resize(count);
    for (size_t i = 0; i < count; ++i) state.parameters[i] = parameter_value(step, i);
    state.optimizer_steps = step + 7;
    state.learning_rate = 0.0125;
    auto buffer = [&](const char* name, float scale) {
        OptimizerState s{name, std::vector<float>(count)};
        for (size_t i = 0; i < count; ++i) s.values[i] = scale * static_cast<float>(i) - 1.5f;
        return s;
    };
    switch (optim) {
        case Optim::kSgdMomentum:
            state.optimizer_name = "sgd";
            state.optimizer.push_back(buffer("momentum", 0.5f));
            break;
        case Optim::kSgdPlain:
            state.optimizer_name = "sgd";
            break;
        case Optim::kAdamW:
            state.optimizer_name = "adamw";
            state.optimizer.push_back(buffer("adam_m", 0.125f));
            state.optimizer.push_back(buffer("adam_v", 2.0f));
            break;
    }
    state.spec_text = "name: test\ndata:\n  path: x.h5\n" + std::string(10000, '#') + "\n";
    state.num_classes = 3;
    if (class_names) state.class_names = {"cat", "dog", "\xc3\xa9l\xc3\xa9phant"};
    state.feature_mean = {0.5f, 1.5f, -2.0f, 0.0f, 3.25f, 8.0f};
    state.feature_std = {1.0f, 0.5f, 2.0f, 1.0f, 0.25f, 4.0f};
    state.standardize = true;
    state.eval_epoch = 2;
    state.test_loss = 0.4375;
    state.test_accuracy = 0.875;
    return state;
}

inline std::vector<char> read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const std::string& path, const std::vector<char>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace slipway::testing
