// Behaviour of the CPU model apart from gradient values: micro-batch additivity, statistics
// slots, inference paths, parameter copies and argument checks.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "model/model.h"
#include "model_test_util.h"

namespace slipway {
namespace {

using testing::make_data;
using testing::random_parameters;
using testing::TestData;

MlpConfig small_config(double dropout = 0.0, LossKind loss = LossKind::kCrossEntropy) {
    MlpConfig config;
    config.inputs = 6;
    config.hidden = {8, 7};
    config.outputs = 4;
    config.activation = Activation::kRelu;
    config.dropout = dropout;
    config.loss = loss;
    return config;
}

std::vector<float> gradients_of(Model& model) {
    const float* g = model.gradient_buffer();
    return {g, g + model.gradient_buffer_size()};
}

// Summation order differs between the two sides, so entries that cancel to near zero are
// compared against the vector's scale, not their own.
void expect_close(const std::vector<float>& a, const std::vector<float>& b, double rel) {
    ASSERT_EQ(a.size(), b.size());
    double scale = 0;
    for (float v : b) scale = std::max(scale, static_cast<double>(std::abs(v)));
    for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_NEAR(a[i], b[i], rel * (scale + std::abs(b[i]))) << "slot " << i;
    }
}

TEST(CpuModel, MicroBatchesAddUpToTheFullBatch) {
    for (Activation act : {Activation::kRelu, Activation::kGelu, Activation::kTanh}) {
        MlpConfig config = small_config(0.3);
        config.activation = act;
        const auto data = make_data(config, 40, 1);
        const auto params = random_parameters(config, 2);
        const DropoutKey key{99, 3};

        auto full = make_cpu_model(config);
        full->load_parameters(params);
        full->zero_gradients();
        full->accumulate_gradients(data.batch(), 0.25f, key);

        // Uneven halves, in the opposite order: masks follow the sample ids, not positions.
        auto split = make_cpu_model(config);
        split->load_parameters(params);
        split->zero_gradients();
        const auto tail = data.slice(15, 25, config);
        const auto head = data.slice(0, 15, config);
        split->accumulate_gradients(tail.batch(), 0.25f, key);
        split->accumulate_gradients(head.batch(), 0.25f, key);

        expect_close(gradients_of(*split), gradients_of(*full), 1e-5);
    }
}

TEST(CpuModel, AccumulatingTwiceEqualsABatchTwiceAsBig) {
    const MlpConfig config = small_config(0.2);
    const auto data = make_data(config, 16, 4);
    TestData doubled = data;
    doubled.rows = 32;
    doubled.x.insert(doubled.x.end(), data.x.begin(), data.x.end());
    doubled.labels.insert(doubled.labels.end(), data.labels.begin(), data.labels.end());
    doubled.sample_ids.insert(doubled.sample_ids.end(), data.sample_ids.begin(),
                              data.sample_ids.end());
    const auto params = random_parameters(config, 5);
    const DropoutKey key{1, 0};

    auto twice = make_cpu_model(config);
    twice->load_parameters(params);
    twice->zero_gradients();
    twice->accumulate_gradients(data.batch(), 1.0f, key);
    twice->accumulate_gradients(data.batch(), 1.0f, key);

    auto once = make_cpu_model(config);
    once->load_parameters(params);
    once->zero_gradients();
    once->accumulate_gradients(doubled.batch(), 1.0f, key);

    expect_close(gradients_of(*twice), gradients_of(*once), 1e-5);
    EXPECT_EQ(once->read_step_stats().samples, 32);
}

TEST(CpuModel, DropoutMasksDependOnEpochAndSeed) {
    const MlpConfig config = small_config(0.5);
    const auto data = make_data(config, 8, 6);
    auto model = make_cpu_model(config);
    model->load_parameters(random_parameters(config, 7));
    auto grads_for = [&](DropoutKey key) {
        model->zero_gradients();
        model->accumulate_gradients(data.batch(), 1.0f, key);
        return gradients_of(*model);
    };
    const auto base = grads_for({10, 0});
    EXPECT_EQ(grads_for({10, 0}), base);  // deterministic
    EXPECT_NE(grads_for({10, 1}), base);
    EXPECT_NE(grads_for({11, 0}), base);
}

TEST(CpuModel, WorkspaceGrowthDoesNotChangeResults) {
    const MlpConfig config = small_config(0.1);
    const auto small = make_data(config, 3, 8);
    const auto big = make_data(config, 50, 9);
    const auto params = random_parameters(config, 10);
    const DropoutKey key{5, 5};

    auto fresh = make_cpu_model(config);
    fresh->load_parameters(params);
    fresh->zero_gradients();
    fresh->accumulate_gradients(small.batch(), 1.0f, key);

    auto reused = make_cpu_model(config);
    reused->load_parameters(params);
    reused->accumulate_gradients(small.batch(), 1.0f, key);
    reused->accumulate_gradients(big.batch(), 1.0f, key);
    reused->zero_gradients();
    reused->accumulate_gradients(small.batch(), 1.0f, key);

    EXPECT_EQ(gradients_of(*reused), gradients_of(*fresh));
}

TEST(CpuModel, StatisticSlots) {
    const MlpConfig config = small_config();
    const auto data = make_data(config, 10, 11);
    auto model = make_cpu_model(config);
    model->load_parameters(random_parameters(config, 12));
    const size_t n = model->parameter_count();
    EXPECT_EQ(model->gradient_buffer_size(), n + kStatSlots);

    model->zero_gradients();
    model->accumulate_gradients(data.batch(), 1.0f, {});
    model->accumulate_gradients(data.batch(), 1.0f, {});
    model->set_stop_vote(true);
    const StepStats eval = model->evaluate(data.batch());
    const StepStats stats = model->read_step_stats();
    EXPECT_NEAR(stats.loss_sum, 2 * eval.loss_sum, 1e-4 * stats.loss_sum);
    EXPECT_EQ(stats.correct, 2 * eval.correct);
    EXPECT_EQ(stats.samples, 20);
    EXPECT_EQ(stats.stop_votes, 1);
    const float* slots = model->gradient_buffer() + n;
    EXPECT_EQ(slots[0], static_cast<float>(stats.loss_sum));
    EXPECT_EQ(slots[2], 20.0f);
    EXPECT_EQ(slots[3], 1.0f);

    model->set_stop_vote(false);
    EXPECT_EQ(model->read_step_stats().stop_votes, 0);
    model->zero_gradients();
    const auto zeros = gradients_of(*model);
    EXPECT_TRUE(std::all_of(zeros.begin(), zeros.end(), [](float v) { return v == 0.0f; }));
}

TEST(CpuModel, EvaluateMatchesPredictAndLeavesGradientsAlone) {
    MlpConfig config = small_config(0.3);  // dropout must not apply in inference
    config.activation = Activation::kGelu;
    const auto data = make_data(config, 1100, 13);  // more than one inference chunk
    auto model = make_cpu_model(config);
    model->load_parameters(random_parameters(config, 14));
    model->zero_gradients();
    model->accumulate_gradients(data.slice(0, 4, config).batch(), 1.0f, {3, 3});
    const auto before = gradients_of(*model);

    std::vector<float> logits(data.rows * config.outputs);
    model->predict(data.x.data(), data.rows, logits.data());
    double loss = 0;
    double correct = 0;
    for (size_t r = 0; r < data.rows; ++r) {
        const float* row = logits.data() + r * config.outputs;
        const int argmax = static_cast<int>(std::max_element(row, row + config.outputs) - row);
        double max = row[argmax];
        double sum = 0;
        for (int j = 0; j < config.outputs; ++j) sum += std::exp(row[j] - max);
        loss += max + std::log(sum) - row[data.labels[r]];
        correct += argmax == data.labels[r];
    }
    const StepStats stats = model->evaluate(data.batch());
    EXPECT_NEAR(stats.loss_sum, loss, 1e-5 * loss);
    EXPECT_EQ(stats.correct, correct);
    EXPECT_EQ(stats.samples, 1100);
    EXPECT_EQ(gradients_of(*model), before);

    // Row by row gives the same logits as the chunked batch.
    std::vector<float> one(config.outputs);
    for (size_t r : {size_t{0}, size_t{511}, size_t{512}, size_t{1099}}) {
        model->predict(data.x.data() + r * config.inputs, 1, one.data());
        for (int j = 0; j < config.outputs; ++j) {
            EXPECT_NEAR(one[j], logits[r * config.outputs + j], 1e-5);
        }
    }
}

TEST(CpuModel, TrainingWithoutDropoutMatchesEvaluate) {
    const MlpConfig config = small_config(0.0, LossKind::kMse);
    const auto data = make_data(config, 9, 15);
    auto model = make_cpu_model(config);
    model->load_parameters(random_parameters(config, 16));
    model->zero_gradients();
    model->accumulate_gradients(data.batch(), 1.0f, {1, 2});
    const StepStats eval = model->evaluate(data.batch());
    EXPECT_NEAR(model->read_step_stats().loss_sum, eval.loss_sum, 1e-5 * eval.loss_sum);
    EXPECT_EQ(eval.correct, 0);
    EXPECT_EQ(model->read_step_stats().correct, 0);
}

// Per-sample MSE is the mean over outputs: a bias-only linear model makes it hand-checkable.
TEST(CpuModel, MseIsMeanOverOutputs) {
    MlpConfig config;
    config.inputs = 2;
    config.outputs = 2;
    config.loss = LossKind::kMse;
    auto model = make_cpu_model(config);
    model->load_parameters(std::vector<float>{0, 0, 0, 0, 1.0f, 3.0f});  // W = 0, b = (1, 3)
    const std::vector<float> x = {5, 6, 7, 8};
    const std::vector<float> t = {0, 0, 1, 1};
    Batch batch;
    batch.x = x.data();
    batch.rows = 2;
    batch.targets = t.data();
    // (1 + 9) / 2 + (0 + 4) / 2 = 7
    EXPECT_DOUBLE_EQ(model->evaluate(batch).loss_sum, 7.0);
    model->zero_gradients();
    model->accumulate_gradients(batch, 1.0f, {});
    // d/db = sum over samples of 2 (y - t) / 2 = (1 + 0, 3 + 2) = (1, 5)
    EXPECT_FLOAT_EQ(model->gradient_buffer()[4], 1.0f);
    EXPECT_FLOAT_EQ(model->gradient_buffer()[5], 5.0f);
}

TEST(CpuModel, ParameterCopies) {
    const MlpConfig config = small_config();
    auto model = make_cpu_model(config);
    const auto params = random_parameters(config, 17);
    model->load_parameters(params);
    std::vector<float> out(params.size());
    model->store_parameters(out);
    EXPECT_EQ(out, params);
    EXPECT_EQ(std::vector<float>(model->parameters(), model->parameters() + params.size()),
              params);
    std::vector<float> wrong(params.size() + 1);
    EXPECT_THROW(model->load_parameters(wrong), std::invalid_argument);
    EXPECT_THROW(model->store_parameters(wrong), std::invalid_argument);
}

TEST(CpuModel, RejectsBadInput) {
    auto config = small_config(0.1);
    auto model = make_cpu_model(config);
    auto data = make_data(config, 4, 18);
    Batch no_ids = data.batch();
    no_ids.sample_ids = nullptr;
    EXPECT_THROW(model->accumulate_gradients(no_ids, 1.0f, {}), std::invalid_argument);
    data.labels[2] = config.outputs;
    EXPECT_THROW(model->evaluate(data.batch()), std::invalid_argument);
    config.loss = LossKind::kAuto;
    EXPECT_THROW(make_cpu_model(config), std::invalid_argument);
    config = small_config(1.0);
    EXPECT_THROW(make_cpu_model(config), std::invalid_argument);
}

TEST(CpuModel, EmptyBatchIsANoOp) {
    const MlpConfig config = small_config();
    auto model = make_cpu_model(config);
    model->zero_gradients();
    model->accumulate_gradients(Batch{}, 1.0f, {});
    EXPECT_EQ(model->read_step_stats().samples, 0);
    EXPECT_EQ(model->evaluate(Batch{}).samples, 0);
}

}  // namespace
}  // namespace slipway
