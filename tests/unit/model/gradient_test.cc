// Gradients of the CPU MLP against finite differences: a double-precision reference for every
// activation x loss x dropout combination, and the model's own float loss for one net.

#include <gtest/gtest.h>

#include <cmath>
#include <ostream>
#include <string>
#include <tuple>

#include "model/model.h"
#include "model_test_util.h"

namespace slipway {
namespace {

using testing::make_data;
using testing::random_parameters;
using testing::reference_gradient;
using testing::reference_loss_sum;

struct GradCase {
    Activation activation;
    LossKind loss;
    double dropout;
    std::vector<int> hidden;
};

std::string case_name(const ::testing::TestParamInfo<GradCase>& info) {
    const GradCase& c = info.param;
    std::string name = c.activation == Activation::kRelu   ? "relu"
                       : c.activation == Activation::kGelu ? "gelu"
                                                           : "tanh";
    name += c.loss == LossKind::kCrossEntropy ? "_ce" : "_mse";
    name += c.dropout > 0 ? "_dropout" : "_nodrop";
    name += "_h" + std::to_string(c.hidden.size());
    return name;
}

void PrintTo(const GradCase& c, std::ostream* os) {
    *os << "activation " << static_cast<int>(c.activation) << " loss "
        << static_cast<int>(c.loss) << " dropout " << c.dropout << " hidden layers "
        << c.hidden.size();
}

class GradientTest : public ::testing::TestWithParam<GradCase> {};

TEST_P(GradientTest, MatchesDoubleReferenceFiniteDifferences) {
    const GradCase& c = GetParam();
    MlpConfig config;
    config.inputs = 5;
    config.hidden = c.hidden;
    config.outputs = 3;
    config.activation = c.activation;
    config.dropout = c.dropout;
    config.loss = c.loss;
    const auto data = make_data(config, 7, 11);
    const auto params = random_parameters(config, 5);
    const DropoutKey key{123, 4};

    auto model = make_cpu_model(config);
    model->load_parameters(params);
    model->zero_gradients();
    const float grad_scale = 0.5f;
    model->accumulate_gradients(data.batch(), grad_scale, key);

    const auto expected = reference_gradient(config, params, data, &key);
    const float* grads = model->gradient_buffer();
    for (size_t i = 0; i < params.size(); ++i) {
        const double want = grad_scale * expected[i];
        EXPECT_NEAR(grads[i], want, 1e-4 + 2e-3 * std::abs(want)) << "parameter " << i;
    }

    // The training loss sum equals the reference forward with the same masks.
    const std::vector<double> p(params.begin(), params.end());
    const double loss = reference_loss_sum(config, p, data, &key);
    EXPECT_NEAR(model->read_step_stats().loss_sum, loss, 1e-4 * (1 + std::abs(loss)));
}

std::vector<GradCase> all_cases() {
    std::vector<GradCase> cases;
    for (Activation a : {Activation::kRelu, Activation::kGelu, Activation::kTanh}) {
        for (LossKind l : {LossKind::kCrossEntropy, LossKind::kMse}) {
            for (double d : {0.0, 0.3}) cases.push_back({a, l, d, {4, 3}});
        }
    }
    cases.push_back({Activation::kGelu, LossKind::kCrossEntropy, 0.2, {6}});
    cases.push_back({Activation::kRelu, LossKind::kMse, 0.0, {}});  // linear regression
    cases.push_back({Activation::kTanh, LossKind::kCrossEntropy, 0.25, {4, 5, 3}});
    return cases;
}

INSTANTIATE_TEST_SUITE_P(Cpu, GradientTest, ::testing::ValuesIn(all_cases()), case_name);

// The model's own float loss, central differences with eps 1e-3, 2 hidden layers, dropout on:
// the same key gives the same masks, so the loss is a smooth function of the parameters.
TEST(GradientFloat, ModelLossFiniteDifferences) {
    MlpConfig config;
    config.inputs = 5;
    config.hidden = {4, 3};
    config.outputs = 3;
    config.activation = Activation::kGelu;
    config.dropout = 0.25;
    const auto data = make_data(config, 6, 3);
    auto params = random_parameters(config, 9);
    const DropoutKey key{7, 1};
    auto model = make_cpu_model(config);

    auto loss_at = [&](const std::vector<float>& p) {
        model->load_parameters(p);
        model->zero_gradients();
        model->accumulate_gradients(data.batch(), 1.0f, key);
        return static_cast<double>(model->read_step_stats().loss_sum);
    };
    loss_at(params);
    const std::vector<float> analytic(model->gradient_buffer(),
                                      model->gradient_buffer() + params.size());
    for (size_t i = 0; i < params.size(); ++i) {
        auto p = params;
        p[i] = params[i] + 1e-3f;
        const double up = loss_at(p);
        const float hi = p[i];
        p[i] = params[i] - 1e-3f;
        const double down = loss_at(p);
        const double numeric = (up - down) / (static_cast<double>(hi) - p[i]);
        EXPECT_NEAR(analytic[i], numeric, 5e-3 + 1e-2 * std::abs(numeric)) << "parameter " << i;
    }
}

}  // namespace
}  // namespace slipway
