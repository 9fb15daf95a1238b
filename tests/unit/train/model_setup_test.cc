#include "train/model_setup.h"

#include <gtest/gtest.h>

namespace slipway {
namespace {

Dataset classification(int features, int classes) {
    Dataset data;
    data.train.features = static_cast<size_t>(features);
    data.num_classes = classes;
    return data;
}

Dataset regression(int features, int targets) {
    Dataset data;
    data.train.features = static_cast<size_t>(features);
    data.train.target_width = static_cast<size_t>(targets);
    return data;
}

TEST(ResolveModelTest, ClassificationTakesWidthsFromTheData) {
    JobSpec spec;
    spec.model.hidden = {128, 64};
    auto config = resolve_model(spec, classification(784, 10));
    ASSERT_TRUE(config.ok()) << config.error().message();
    EXPECT_EQ(config->inputs, 784);
    EXPECT_EQ(config->outputs, 10);
    EXPECT_EQ(config->hidden, (std::vector<int>{128, 64}));
    EXPECT_EQ(config->loss, LossKind::kCrossEntropy);
    EXPECT_EQ(config->init, InitScheme::kHe);
}

TEST(ResolveModelTest, RegressionPicksMseAndTargetWidth) {
    JobSpec spec;
    spec.model.activation = Activation::kTanh;
    auto config = resolve_model(spec, regression(8, 3));
    ASSERT_TRUE(config.ok()) << config.error().message();
    EXPECT_EQ(config->outputs, 3);
    EXPECT_EQ(config->loss, LossKind::kMse);
    EXPECT_EQ(config->init, InitScheme::kXavier);  // auto for tanh
}

TEST(ResolveModelTest, ExplicitInitWins) {
    JobSpec spec;
    spec.model.init = InitScheme::kXavier;
    auto config = resolve_model(spec, classification(4, 2));
    ASSERT_TRUE(config.ok());
    EXPECT_EQ(config->init, InitScheme::kXavier);
}

TEST(ResolveModelTest, LossThatDoesNotFitTheLabelsIsASpecError) {
    JobSpec spec;
    spec.data.path = "d.h5";
    spec.model.loss = LossKind::kCrossEntropy;
    auto config = resolve_model(spec, regression(4, 1));
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.error().code, ExitCode::kBadSpec);
    EXPECT_NE(config.error().what.find("model.loss"), std::string::npos);

    spec.model.loss = LossKind::kMse;
    auto other = resolve_model(spec, classification(4, 3));
    ASSERT_FALSE(other.ok());
    EXPECT_NE(other.error().what.find("3 classes"), std::string::npos);
}

}  // namespace
}  // namespace slipway
