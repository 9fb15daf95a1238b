// export_checkpoint(): a checkpoint in, a version in the model repository out, with the
// metadata and the name rules; the recipe hash.
#include "export/export.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "checkpoint/checkpoint.h"
#include "export/exported_model.h"
#include "export/onnx_graph.h"
#include "export/recipe_hash.h"
#include "export_test_util.h"
#include "spec/spec_parser.h"
#include "temp_dir.h"

namespace slipway {
namespace {

namespace fs = std::filesystem;
using testing::checkpoint_state;
using ::testing::HasSubstr;
using testing::small_mlp;
using testing::spec_text;
using testing::TempDir;

nlohmann::json read_json(const std::string& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}

std::string write(const TempDir& dir, const CheckpointState& state) {
    auto path = write_checkpoint(dir.file("ck"), state, 3);
    EXPECT_TRUE(path.ok()) << path.error().message();
    return path.ok() ? *path : "";
}

ExportRequest request(const std::string& checkpoint, const std::string& repository,
                      const std::string& name = "", std::optional<int> max_batch_size = {}) {
    ExportRequest out;
    out.checkpoint = checkpoint;
    out.repository = repository;
    out.name = name;
    out.max_batch_size = max_batch_size;
    return out;
}

TEST(ExportCheckpoint, WritesAVersionThatReadsBackAsTheCheckpointsModel) {
    TempDir dir;
    const CheckpointState state = checkpoint_state(small_mlp(Activation::kGelu), spec_text());
    const std::string checkpoint = write(dir, state);
    auto result = export_checkpoint(request(checkpoint, dir.file("repo")));
    ASSERT_TRUE(result.ok()) << result.error().message();
    EXPECT_EQ(result->name, "unit-job");  // no export.name: the job's name
    EXPECT_EQ(result->version, 1);
    EXPECT_EQ(result->step, 40);
    EXPECT_EQ(result->model_path, dir.file("repo") + "/unit-job/1/model.onnx");

    auto model = read_exported_model(result->model_path);
    ASSERT_TRUE(model.ok()) << model.error().message();
    EXPECT_EQ(model->parameters, state.parameters);
    EXPECT_EQ(model->config.hidden, state.model.hidden);
    EXPECT_EQ(model->config.activation, Activation::kGelu);
    EXPECT_EQ(model->feature_mean, state.feature_mean);
    EXPECT_EQ(model->feature_divisor, standardization_divisors(state.feature_std));
    EXPECT_EQ(model->class_names, state.class_names);

    const auto meta = read_json(dir.file("repo") + "/unit-job/1/slipway.json");
    EXPECT_EQ(meta["version"], 1);
    EXPECT_EQ(meta["task"], "classification");
    EXPECT_EQ(meta["inputs"][0]["name"], "features");
    EXPECT_EQ(meta["inputs"][0]["shape"], nlohmann::json::array({-1, 5}));
    EXPECT_EQ(meta["outputs"][1]["name"], "probabilities");
    EXPECT_EQ(meta["class_names"], nlohmann::json(state.class_names));
    EXPECT_EQ(meta["metrics"]["test_accuracy"], 0.875);
    EXPECT_EQ(meta["source"]["checkpoint"], fs::absolute(checkpoint).string());
    EXPECT_EQ(meta["source"]["step"], 40);
    EXPECT_EQ(meta["standardize"], true);
    EXPECT_THAT(meta["created"].get<std::string>(),
                ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"));
    auto spec = parse_job_spec(spec_text(), "spec");
    ASSERT_TRUE(spec.ok());
    EXPECT_EQ(meta["recipe_hash"], recipe_hash(*spec));

    std::ifstream config(dir.file("repo") + "/unit-job/config.pbtxt");
    const std::string text{std::istreambuf_iterator<char>(config), {}};
    EXPECT_THAT(text, HasSubstr("name: \"unit-job\"\n"));
    EXPECT_THAT(text, HasSubstr("max_batch_size: 64\n"));
    EXPECT_THAT(text, HasSubstr("dims: [ 5 ]"));
}

TEST(ExportCheckpoint, NameAndBatchSizeComeFromTheFlagThenTheSpec) {
    TempDir dir;
    const std::string checkpoint = write(
        dir, checkpoint_state(small_mlp(Activation::kRelu),
                              spec_text("export:\n  name: from-spec\n  max_batch_size: 16\n")));
    auto from_spec = export_checkpoint(request(checkpoint, dir.file("repo")));
    ASSERT_TRUE(from_spec.ok()) << from_spec.error().message();
    EXPECT_EQ(from_spec->name, "from-spec");
    std::ifstream config(dir.file("repo") + "/from-spec/config.pbtxt");
    EXPECT_THAT(std::string(std::istreambuf_iterator<char>(config), {}),
                HasSubstr("max_batch_size: 16\n"));

    auto from_flag = export_checkpoint(request(checkpoint, dir.file("repo"), "flagged", 8));
    ASSERT_TRUE(from_flag.ok()) << from_flag.error().message();
    EXPECT_EQ(from_flag->name, "flagged");
    EXPECT_EQ(from_flag->version, 1);

    auto bad = export_checkpoint(request(checkpoint, dir.file("repo"), "no/slash"));
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, ExitCode::kBadSpec);
    EXPECT_THAT(bad.error().message(), HasSubstr("--name: 'no/slash' is not a usable model name"));
}

TEST(ExportCheckpoint, TheRunsSpecWinsOverTheTextInTheCheckpoint) {
    // The checkpoint holds the spec file as read; a run's --set overrides live in its JobSpec.
    TempDir dir;
    const std::string checkpoint =
        write(dir, checkpoint_state(small_mlp(Activation::kRelu), spec_text()));
    auto stored = parse_job_spec(spec_text(), "spec");
    ASSERT_TRUE(stored.ok());
    JobSpec run = *stored;
    run.train.optimizer.lr = 0.2;
    run.model_export.name = "overridden";
    run.model_export.max_batch_size = 4;
    ExportRequest with_run = request(checkpoint, dir.file("repo"));
    with_run.run_spec = &run;
    auto result = export_checkpoint(with_run);
    ASSERT_TRUE(result.ok()) << result.error().message();
    EXPECT_EQ(result->name, "overridden");
    const auto meta = read_json(result->version_dir + "/slipway.json");
    EXPECT_EQ(meta["recipe_hash"], recipe_hash(run));
    EXPECT_NE(meta["recipe_hash"], recipe_hash(*stored));
    EXPECT_EQ(meta["recipe"]["train"]["optimizer"]["lr"], 0.2);
}

TEST(ExportCheckpoint, AFolderMeansItsNewestValidCheckpoint) {
    TempDir dir;
    CheckpointState older = checkpoint_state(small_mlp(Activation::kTanh), spec_text());
    write(dir, older);
    CheckpointState newer = older;
    newer.step = 80;
    write(dir, newer);
    std::ofstream(dir.file("ck") + "/ckpt-0000000999.h5") << "torn";  // skipped
    auto result = export_checkpoint(request(dir.file("ck"), dir.file("repo")));
    ASSERT_TRUE(result.ok()) << result.error().message();
    EXPECT_EQ(result->step, 80);
}

TEST(ExportCheckpoint, BadOrMissingCheckpointsAreExitFour) {
    TempDir dir;
    auto missing = export_checkpoint(request(dir.file("nope.h5"), dir.file("repo")));
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ExitCode::kBadCheckpoint);
    EXPECT_THAT(missing.error().message(), HasSubstr("nope.h5: no such checkpoint file"));

    std::ofstream(dir.file("junk.h5")) << "not a checkpoint";
    auto junk = export_checkpoint(request(dir.file("junk.h5"), dir.file("repo")));
    ASSERT_FALSE(junk.ok());
    EXPECT_EQ(junk.error().code, ExitCode::kBadCheckpoint);

    fs::create_directories(dir.file("empty"));
    auto empty = export_checkpoint(request(dir.file("empty"), dir.file("repo")));
    ASSERT_FALSE(empty.ok());
    EXPECT_THAT(empty.error().message(), HasSubstr("no valid checkpoint"));

    const std::string bad_spec =
        write(dir, checkpoint_state(small_mlp(Activation::kRelu), "name: x\nbogus: 1\n"));
    auto unparsable = export_checkpoint(request(bad_spec, dir.file("repo")));
    ASSERT_FALSE(unparsable.ok());
    EXPECT_EQ(unparsable.error().code, ExitCode::kBadCheckpoint);
    EXPECT_THAT(unparsable.error().message(), HasSubstr("does not parse"));
    EXPECT_FALSE(fs::exists(dir.file("repo")));  // nothing written for a refused export
}

TEST(RecipeHash, CoversWhatTrainsAndNothingOperational) {
    auto base = parse_job_spec(spec_text(), "spec");
    ASSERT_TRUE(base.ok()) << base.error().message();
    const std::string hash = recipe_hash(*base);
    EXPECT_THAT(hash, ::testing::MatchesRegex("fnv1a64:[0-9a-f]{16}"));
    EXPECT_EQ(recipe_hash(*base), hash);  // stable

    JobSpec operational = *base;
    operational.train.log_every = 7;
    operational.train.threads_per_rank = 3;
    operational.train.collective_timeout = 9;
    operational.checkpoint.every_steps = 11;
    operational.model_export.name = "other";
    operational.name = "renamed";
    EXPECT_EQ(recipe_hash(operational), hash);

    JobSpec lr = *base;
    lr.train.optimizer.lr = 0.051;
    EXPECT_NE(recipe_hash(lr), hash);
    JobSpec width = *base;
    width.model.hidden = {6, 5};
    EXPECT_NE(recipe_hash(width), hash);
    JobSpec standardize = *base;
    standardize.data.standardize = false;
    EXPECT_NE(recipe_hash(standardize), hash);
}

}  // namespace
}  // namespace slipway
