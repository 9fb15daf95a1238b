// --set overrides: parsing "key.path=value" and applying it before validation.

#include <gtest/gtest.h>
#include <gmock/gmock.h>

#include "spec/spec_parser.h"
#include "spec_test_util.h"

namespace slipway {
namespace {

using ::testing::HasSubstr;
using spec_test::full_spec_with;
using spec_test::kFullSpec;
using spec_test::spec_failure;

constexpr const char* kMinimal = "data:\n  path: x.h5\n";

JobSpec parse_ok(const std::string& yaml, const std::vector<SpecOverride>& overrides) {
    auto result = parse_job_spec(yaml, "job.yaml", overrides);
    EXPECT_TRUE(result.ok()) << result.error().message();
    return result.ok() ? *result : JobSpec{};
}

TEST(ParseOverrideTest, SplitsAtTheFirstEquals) {
    auto parsed = parse_override("train.optimizer.lr=0.1");
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->key_path, "train.optimizer.lr");
    EXPECT_EQ(parsed->value, "0.1");

    parsed = parse_override("image=repo/img:tag=v1");
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->key_path, "image");
    EXPECT_EQ(parsed->value, "repo/img:tag=v1");

    parsed = parse_override("image=");
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->value, "");
}

TEST(ParseOverrideTest, RejectsMissingEqualsAndEmptyKey) {
    auto parsed = parse_override("train.epochs");
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().code, ExitCode::kBadSpec);
    EXPECT_THAT(parsed.error().what, HasSubstr("key.path=value"));
    EXPECT_THAT(parsed.error().where, HasSubstr("--set"));

    parsed = parse_override("=5");
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().code, ExitCode::kBadSpec);
    EXPECT_THAT(parsed.error().what, HasSubstr("empty key"));
}

TEST(SpecOverrideTest, SetsScalarsBoolsAndLists) {
    JobSpec spec = parse_ok(kFullSpec, {{"train.optimizer.lr", "0.1"},
                                        {"train.optimizer.nesterov", "false"},
                                        {"model.hidden", "[1024,256]"},
                                        {"name", "other-job"},
                                        {"train.epochs", "7"}});
    EXPECT_DOUBLE_EQ(spec.train.optimizer.lr, 0.1);
    EXPECT_FALSE(spec.train.optimizer.nesterov);
    EXPECT_EQ(spec.model.hidden, (std::vector<int>{1024, 256}));
    EXPECT_EQ(spec.name, "other-job");
    EXPECT_EQ(spec.train.epochs, 7);
    EXPECT_EQ(spec.source_text, kFullSpec);  // the text as read, before overrides

    // What a checkpoint stores: the spec the run used, which parses to the same values.
    EXPECT_THAT(spec.effective_text, HasSubstr("--set train.epochs=7"));
    JobSpec reparsed = parse_ok(spec.effective_text, {});
    EXPECT_DOUBLE_EQ(reparsed.train.optimizer.lr, 0.1);
    EXPECT_FALSE(reparsed.train.optimizer.nesterov);
    EXPECT_EQ(reparsed.model.hidden, (std::vector<int>{1024, 256}));
    EXPECT_EQ(reparsed.name, "other-job");
    EXPECT_EQ(reparsed.train.epochs, 7);
    EXPECT_EQ(reparsed.data.path, spec.data.path);
    EXPECT_EQ(parse_ok(kFullSpec, {}).effective_text, kFullSpec);
}

TEST(SpecOverrideTest, CreatesMissingSectionsAndLaterOverridesWin) {
    JobSpec spec = parse_ok("name: job\n", {{"data.path", "/d.h5"},
                                           {"train.schedule.name", "cosine"},
                                           {"train.schedule.min_lr", "0.001"},
                                           {"train.epochs", "2"},
                                           {"train.epochs", "5"}});
    EXPECT_EQ(spec.data.path, "/d.h5");
    EXPECT_EQ(spec.train.schedule.kind, ScheduleKind::kCosine);
    EXPECT_DOUBLE_EQ(spec.train.schedule.min_lr, 0.001);
    EXPECT_EQ(spec.train.epochs, 5);
}

TEST(SpecOverrideTest, SetsAWholeSectionFromAFlowMap) {
    JobSpec spec = parse_ok(kFullSpec, {{"train.optimizer", "{name: sgd, lr: 0.2}"}});
    EXPECT_EQ(spec.train.optimizer.kind, OptimizerKind::kSgd);
    EXPECT_DOUBLE_EQ(spec.train.optimizer.lr, 0.2);
    // The section is replaced, so keys the file set in it are back at their defaults.
    EXPECT_FALSE(spec.train.optimizer.nesterov);
}

TEST(SpecOverrideTest, AppliesBeforeValidation) {
    JobSpec spec = parse_ok(full_spec_with(24, "    lr: -1"), {{"train.optimizer.lr", "0.5"}});
    EXPECT_DOUBLE_EQ(spec.train.optimizer.lr, 0.5);
}

TEST(SpecOverrideTest, UnknownKeyNamesTheOverrideWithDidYouMean) {
    Error error = spec_failure(kFullSpec, {{"train.optimzer.lr", "0.1"}});
    EXPECT_EQ(error.where, "--set train.optimzer.lr");
    EXPECT_EQ(error.what, "unknown key 'train.optimzer'");
    EXPECT_EQ(error.hint, "did you mean 'optimizer'?");

    error = spec_failure(kFullSpec, {{"trian.epochs", "3"}});
    EXPECT_EQ(error.where, "--set trian.epochs");
    EXPECT_EQ(error.what, "unknown key 'trian'");
    EXPECT_EQ(error.hint, "did you mean 'train'?");

    error = spec_failure(kMinimal, {{"train.epohcs", "3"}});
    EXPECT_EQ(error.what, "unknown key 'train.epohcs'");
    EXPECT_EQ(error.hint, "did you mean 'epochs'?");

    error = spec_failure(kMinimal, {{"train..epochs", "3"}});
    EXPECT_EQ(error.where, "--set train..epochs");
    EXPECT_THAT(error.what, HasSubstr("empty part"));
}

TEST(SpecOverrideTest, PathIntoANonMapIsAnError) {
    Error error = spec_failure(kFullSpec, {{"train.epochs.max", "3"}});
    EXPECT_EQ(error.where, "--set train.epochs.max");
    EXPECT_THAT(error.what, HasSubstr("train.epochs is not a map"));

    error = spec_failure("data: {path: x}\ntrain: 5\n", {{"train.epochs", "3"}});
    EXPECT_EQ(error.where, "--set train.epochs");
    EXPECT_THAT(error.what, HasSubstr("train in the spec is not a map"));
}

TEST(SpecOverrideTest, ValueErrorsNameTheOverride) {
    Error error = spec_failure(kFullSpec, {{"train.optimizer.lr", "-1"}});
    EXPECT_EQ(error.where, "--set train.optimizer.lr");
    EXPECT_EQ(error.what, "train.optimizer.lr must be > 0, got -1");

    error = spec_failure(kFullSpec, {{"train.epochs", "ten"}});
    EXPECT_EQ(error.where, "--set train.epochs");
    EXPECT_EQ(error.what, "train.epochs must be an integer, got 'ten'");

    error = spec_failure(kFullSpec, {{"model.hidden", "[512, 0]"}});
    EXPECT_EQ(error.where, "--set model.hidden");
    EXPECT_EQ(error.what, "model.hidden[1] must be >= 1, got 0");

    error = spec_failure(kFullSpec, {{"train.optimizer", "{nam: sgd}"}});
    EXPECT_EQ(error.where, "--set train.optimizer");
    EXPECT_EQ(error.what, "unknown key 'train.optimizer.nam'");
    EXPECT_EQ(error.hint, "did you mean 'name'?");

    error = spec_failure(kFullSpec, {{"model.hidden", "[1, 2"}});
    EXPECT_EQ(error.where, "--set model.hidden");
    EXPECT_THAT(error.what, HasSubstr("cannot parse the value '[1, 2'"));

    error = spec_failure(kFullSpec, {{"image", ""}});
    EXPECT_EQ(error.where, "--set image");
    EXPECT_EQ(error.what, "image must be a string, got an empty value");
}

TEST(SpecOverrideTest, ErrorsElsewhereStillNameTheFileLine) {
    Error error = spec_failure(full_spec_with(13, "  epochs: 0"), {{"train.optimizer.lr", "0.1"}});
    EXPECT_EQ(error.where, "job.yaml:13");
    EXPECT_EQ(error.what, "train.epochs must be >= 1, got 0");

    // A map that an override created has no line in the file.
    error = spec_failure("name: job\n", {{"data.standardize", "true"}});
    EXPECT_EQ(error.where, "job.yaml");
    EXPECT_EQ(error.what, "missing required key 'data.path'");

    // The cross-field check points at the key that made it fail.
    error = spec_failure(kFullSpec, {{"train.accumulate", "1024"}});
    EXPECT_EQ(error.where, "--set train.accumulate");
    EXPECT_THAT(error.what, HasSubstr("train.accumulate must be <= train.global_batch (512)"));
}

TEST(SpecOverrideTest, NesterovWithoutMomentumIsRefused) {
    Error error = spec_failure("data: {path: d.h5}\n",
                               {{"train.optimizer.nesterov", "true"},
                                {"train.optimizer.momentum", "0"}});
    EXPECT_EQ(error.where, "--set train.optimizer.nesterov");
    EXPECT_THAT(error.what, HasSubstr("nesterov needs train.optimizer.momentum > 0"));
}

TEST(SpecOverrideTest, CosineFloorAboveTheLearningRateIsRefused) {
    Error error = spec_failure("data: {path: d.h5}\n",
                               {{"train.schedule.name", "cosine"},
                                {"train.optimizer.lr", "0.01"},
                                {"train.schedule.min_lr", "0.1"}});
    EXPECT_EQ(error.where, "--set train.schedule.min_lr");
    EXPECT_THAT(error.what, HasSubstr("is above train.optimizer.lr"));
}

}  // namespace
}  // namespace slipway
