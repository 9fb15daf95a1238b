#include "serve/model/mlp_inference_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "model/init.h"

namespace slipway::serve {
namespace {

// An independent, naive forward pass of the exported graph in double precision.
std::vector<double> reference_logits(const ExportedModel& m, const std::vector<float>& row) {
    std::vector<double> x(row.begin(), row.end());
    for (size_t f = 0; f < x.size(); ++f) {
        x[f] = (x[f] - m.feature_mean[f]) / m.feature_divisor[f];
    }
    const std::vector<LayerSlot> layout = parameter_layout(m.config);
    for (size_t l = 0; l < layout.size(); ++l) {
        const LayerSlot& slot = layout[l];
        std::vector<double> z(static_cast<size_t>(slot.out));
        for (int o = 0; o < slot.out; ++o) {
            double sum = m.parameters[slot.bias_offset + static_cast<size_t>(o)];
            for (int i = 0; i < slot.in; ++i) {
                sum += m.parameters[slot.weight_offset + static_cast<size_t>(o * slot.in + i)] *
                       x[static_cast<size_t>(i)];
            }
            const bool hidden = l + 1 < layout.size();
            z[static_cast<size_t>(o)] =
                hidden
                    ? 0.5 * sum *
                          (1 + std::tanh(0.7978845608028654 * (sum + 0.044715 * sum * sum * sum)))
                    : sum;
        }
        x = z;
    }
    return x;
}

ExportedModel small_model() {
    ExportedModel m;
    m.config.inputs = 4;
    m.config.hidden = {6, 5};
    m.config.outputs = 3;
    m.config.activation = Activation::kGelu;
    m.config.loss = LossKind::kCrossEntropy;
    m.parameters.resize(parameter_count(m.config));
    init_mlp_parameters(m.config, 7, m.parameters);
    for (size_t i = 0; i < m.parameters.size(); i += 3) m.parameters[i] += 0.05f;  // biases too
    m.feature_mean = {0.5f, -1.0f, 0.0f, 2.0f};
    m.feature_divisor = {2.0f, 0.5f, 1.0f, 3.0f};
    m.input_name = "features";
    m.output_names = {"logits", "probabilities"};
    m.class_names = {"a", "b", "c"};
    return m;
}

TEST(MlpInferenceModelTest, MatchesANaiveForwardPassOfTheGraph) {
    ExportedModel exported = small_model();
    const ExportedModel copy = exported;
    MlpInferenceModel model(std::move(exported), model_info_for(copy, "tiny", 5, 16));
    EXPECT_EQ(model.info().signature.limits.features, 4u);
    EXPECT_EQ(model.info().output_width, 3u);
    const std::vector<float> rows = {0.1f, 0.2f, -0.3f, 4.0f, 1.0f, -2.0f, 0.5f, 0.0f};
    const Predictions out = model.infer(rows.data(), 2);
    ASSERT_EQ(out.outputs.size(), 2u);
    EXPECT_EQ(out.model_version, 5);
    for (size_t r = 0; r < 2; ++r) {
        const std::vector<double> logits = reference_logits(
            copy, std::vector<float>(rows.begin() + 4 * r, rows.begin() + 4 * r + 4));
        double total = 0;
        for (double z : logits) total += std::exp(z);
        for (size_t j = 0; j < 3; ++j) {
            EXPECT_NEAR(out.outputs[0][3 * r + j], logits[j], 1e-5);
            EXPECT_NEAR(out.outputs[1][3 * r + j], std::exp(logits[j]) / total, 1e-6);
        }
    }
}

TEST(MlpInferenceModelTest, ConcurrentCallsGetTheirOwnWorkspace) {
    ExportedModel exported = small_model();
    const ExportedModel copy = exported;
    MlpInferenceModel model(std::move(exported), model_info_for(copy, "tiny", 1, 16));
    const std::vector<float> row = {1, 2, 3, 4};
    const std::vector<float> expected = model.infer(row.data(), 1).outputs[0];
    std::vector<std::thread> threads;
    std::atomic<int> same{0};
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 200; ++i) {
                if (model.infer(row.data(), 1).outputs[0] == expected) ++same;
            }
        });
    }
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(same.load(), 800);
}

}  // namespace
}  // namespace slipway::serve
