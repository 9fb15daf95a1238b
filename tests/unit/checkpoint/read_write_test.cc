#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "checkpoint/checkpoint.h"
#include "checkpoint/seal.h"
#include "checkpoint_test_util.h"
#include "data/h5.h"

namespace slipway {
namespace {

using slipway::testing::make_state;
using slipway::testing::Optim;
using slipway::testing::small_model;
using slipway::testing::TempDir;
using ::testing::HasSubstr;

void expect_same(const CheckpointState& a, const CheckpointState& b) {
    EXPECT_EQ(a.step, b.step);
    EXPECT_EQ(a.epoch, b.epoch);
    EXPECT_EQ(a.position, b.position);
    EXPECT_EQ(a.global_batch, b.global_batch);
    EXPECT_EQ(a.world_size, b.world_size);
    EXPECT_EQ(a.seed, b.seed);
    EXPECT_EQ(a.model.inputs, b.model.inputs);
    EXPECT_EQ(a.model.hidden, b.model.hidden);
    EXPECT_EQ(a.model.outputs, b.model.outputs);
    EXPECT_EQ(a.model.activation, b.model.activation);
    EXPECT_EQ(a.model.dropout, b.model.dropout);
    EXPECT_EQ(a.model.loss, b.model.loss);
    EXPECT_EQ(a.model.init, b.model.init);
    EXPECT_EQ(a.parameters, b.parameters);
    EXPECT_EQ(a.optimizer_name, b.optimizer_name);
    EXPECT_EQ(a.optimizer_steps, b.optimizer_steps);
    ASSERT_EQ(a.optimizer.size(), b.optimizer.size());
    for (size_t i = 0; i < a.optimizer.size(); ++i) {
        EXPECT_EQ(a.optimizer[i].name, b.optimizer[i].name);
        EXPECT_EQ(a.optimizer[i].values, b.optimizer[i].values);
    }
    EXPECT_EQ(a.learning_rate, b.learning_rate);
    EXPECT_EQ(a.spec_text, b.spec_text);
    EXPECT_EQ(a.num_classes, b.num_classes);
    EXPECT_EQ(a.class_names, b.class_names);
    EXPECT_EQ(a.feature_mean, b.feature_mean);
    EXPECT_EQ(a.feature_std, b.feature_std);
    EXPECT_EQ(a.standardize, b.standardize);
    EXPECT_EQ(a.eval_epoch, b.eval_epoch);
    EXPECT_EQ(a.test_loss, b.test_loss);
    EXPECT_EQ(a.test_accuracy, b.test_accuracy);
}

struct RoundTripCase {
    const char* name;
    Optim optim;
    bool class_names;
};

class RoundTrip : public ::testing::TestWithParam<RoundTripCase> {};

TEST_P(RoundTrip, EveryFieldSurvives) {
    TempDir dir;
    const CheckpointState state =
        make_state(42, small_model(), GetParam().optim, GetParam().class_names);
    auto path = write_checkpoint(dir.path(), state, 3);
    ASSERT_TRUE(path.ok()) << path.error().message();
    EXPECT_EQ(*path, dir.file("ckpt-0000000042.h5"));
    auto read = read_checkpoint(*path);
    ASSERT_TRUE(read.ok()) << read.error().message();
    expect_same(state, *read);
}

INSTANTIATE_TEST_SUITE_P(
    Checkpoint, RoundTrip,
    ::testing::Values(RoundTripCase{"SgdMomentum", Optim::kSgdMomentum, true},
                      RoundTripCase{"SgdMomentumNoClassNames", Optim::kSgdMomentum, false},
                      RoundTripCase{"SgdNoBuffers", Optim::kSgdPlain, true},
                      RoundTripCase{"AdamW", Optim::kAdamW, true},
                      RoundTripCase{"AdamWNoClassNames", Optim::kAdamW, false}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Checkpoint, EmptyVectorsAndNanEvaluationRoundTrip) {
    TempDir dir;
    MlpConfig model;  // no hidden layers: a linear model
    model.inputs = 3;
    model.outputs = 1;
    model.activation = Activation::kTanh;
    model.loss = LossKind::kMse;
    model.init = InitScheme::kHe;
    CheckpointState state = make_state(0, model, Optim::kSgdPlain, false);
    state.feature_mean.clear();
    state.feature_std.clear();
    state.spec_text.clear();
    state.num_classes = 0;
    state.standardize = false;
    state.test_loss = std::numeric_limits<double>::quiet_NaN();
    state.test_accuracy = std::numeric_limits<double>::quiet_NaN();
    auto path = write_checkpoint(dir.path(), state, 1);
    ASSERT_TRUE(path.ok()) << path.error().message();
    auto read = read_checkpoint(*path);
    ASSERT_TRUE(read.ok()) << read.error().message();
    EXPECT_TRUE(read->model.hidden.empty());
    EXPECT_TRUE(read->optimizer.empty());
    EXPECT_TRUE(read->class_names.empty());
    EXPECT_TRUE(read->feature_mean.empty());
    EXPECT_TRUE(read->spec_text.empty());
    EXPECT_TRUE(std::isnan(read->test_loss));
    EXPECT_TRUE(std::isnan(read->test_accuracy));
    EXPECT_EQ(read->parameters, state.parameters);
    EXPECT_EQ(read->model.loss, LossKind::kMse);
}

TEST(Checkpoint, FileShowsTheDocumentedLayout) {
    TempDir dir;
    auto path = write_checkpoint(dir.path(), make_state(9, small_model(), Optim::kAdamW), 3);
    ASSERT_TRUE(path.ok()) << path.error().message();
    auto file = h5::File::open(*path);
    ASSERT_TRUE(file.ok());
    EXPECT_EQ(*file->read_string_attribute("/", "format"), "slipway-checkpoint");
    EXPECT_EQ(*file->read_scalar_attribute<int32_t>("/", "format_version"), 1);
    EXPECT_EQ(*file->read_string_attribute("/", "model_signature"), model_signature(small_model()));
    auto created = file->read_string_attribute("/", "created");
    ASSERT_TRUE(created.ok());
    EXPECT_THAT(*created, ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z"));
    EXPECT_EQ(*file->read_string_attribute("/model", "activation"), "gelu");
    EXPECT_EQ(*file->read_string_attribute("/model", "loss"), "cross_entropy");
    EXPECT_EQ(*file->read_string_attribute("/model", "init"), "xavier");
    auto shapes = file->read<int32_t>("/model/layer_shapes");
    ASSERT_TRUE(shapes.ok());
    EXPECT_EQ(shapes->shape, (h5::Shape{3, 2}));
    EXPECT_EQ(shapes->values, (std::vector<int32_t>{5, 6, 4, 5, 3, 4}));
    EXPECT_EQ(file->dataset_info("/parameters")->type.name, "float32");
    EXPECT_EQ(*file->read_strings_attribute("/optimizer", "buffers"),
              (std::vector<std::string>{"adam_m", "adam_v"}));
    EXPECT_TRUE(file->is_dataset("/optimizer/adam_v"));
    EXPECT_TRUE(file->is_dataset("/spec"));
}

TEST(Checkpoint, WriteRejectsAnInconsistentState) {
    TempDir dir;
    CheckpointState state = make_state(1);
    state.parameters.pop_back();
    auto result = write_checkpoint(dir.path(), state, 3);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ExitCode::kBadCheckpoint);
    EXPECT_THAT(result.error().what, HasSubstr("parameters"));

    state = make_state(1);
    state.optimizer[0].name = "a/b";
    EXPECT_FALSE(write_checkpoint(dir.path(), state, 3).ok());
    state = make_state(1);
    state.optimizer[0].values.resize(2);
    EXPECT_FALSE(write_checkpoint(dir.path(), state, 3).ok());
    state = make_state(1);
    state.optimizer_name = "lion";
    EXPECT_FALSE(write_checkpoint(dir.path(), state, 3).ok());
    state = make_state(1);
    state.model.loss = LossKind::kAuto;
    EXPECT_FALSE(write_checkpoint(dir.path(), state, 3).ok());
    state = make_state(-1);
    EXPECT_FALSE(write_checkpoint(dir.path(), state, 3).ok());
    EXPECT_TRUE(list_checkpoints(dir.path()).empty());
    EXPECT_TRUE(std::filesystem::is_empty(dir.path()));  // no temporary file left either
}

TEST(Checkpoint, UncreatableDirectoryIsAnErrorNamingIt) {
    TempDir dir;
    testing::write_bytes(dir.file("plain-file"), {'x'});
    const std::string target = dir.file("plain-file") + "/checkpoints";
    auto result = write_checkpoint(target, make_state(1), 3);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ExitCode::kBadCheckpoint);
    EXPECT_THAT(result.error().where, HasSubstr("plain-file/checkpoints"));
}

TEST(Checkpoint, Hdf5FailureWhileWritingIsAnErrorValue) {
    TempDir dir;
    // A directory where the temporary file should go: H5Fcreate fails, the wrapper throws,
    // and write_checkpoint turns that into an Error.
    const std::string blocker = dir.file(".ckpt-5.h5.tmp-" + std::to_string(::getpid()));
    std::filesystem::create_directory(blocker);
    auto result = write_checkpoint(dir.path(), make_state(5), 3);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ExitCode::kBadCheckpoint);
    EXPECT_THAT(result.error().where, HasSubstr("ckpt-0000000005.h5"));
    EXPECT_TRUE(list_checkpoints(dir.path()).empty());
}

// Edits a valid checkpoint with HDF5, reseals it (as if the writer had written it that way),
// then reads it back.
template <class Edit>
Error read_after_edit(const TempDir& dir, Edit edit) {
    auto path = write_checkpoint(dir.path(), make_state(3), 3);
    EXPECT_TRUE(path.ok());
    {
        auto file = h5::File::open(*path, true);
        EXPECT_TRUE(file.ok());
        edit(*file);
        file->close();
    }
    EXPECT_TRUE(checkpoint_format::seal_file(*path).ok());
    auto read = read_checkpoint(*path);
    EXPECT_FALSE(read.ok());
    return read.ok() ? Error{} : read.error();
}

TEST(Checkpoint, ReadRejectsBadFields) {
    TempDir dir;
    Error e = read_after_edit(
        dir, [](h5::File& f) { f.write_scalar_attribute<int32_t>("/", "format_version", 2); });
    EXPECT_EQ(e.code, ExitCode::kBadCheckpoint);
    EXPECT_THAT(e.what, HasSubstr("version 2 is not supported"));

    e = read_after_edit(dir, [](h5::File& f) { f.write_string_attribute("/", "step", "x"); });
    EXPECT_EQ(e.code, ExitCode::kBadCheckpoint);
    EXPECT_THAT(e.what, HasSubstr("has dtype string"));

    e = read_after_edit(
        dir, [](h5::File& f) { f.write_string_attribute("/model", "activation", "swish"); });
    EXPECT_THAT(e.what, HasSubstr("unknown value 'swish'"));

    e = read_after_edit(dir, [](h5::File& f) {
        f.write_attribute<int32_t>("/model", "hidden", {5, 5});
    });
    EXPECT_THAT(e.what, HasSubstr("does not match /model"));

    e = read_after_edit(
        dir, [](h5::File& f) { f.write_scalar_attribute<uint32_t>("/", "checksum", 12345); });
    EXPECT_THAT(e.what, HasSubstr("checksum mismatch: file is corrupt"));

    e = read_after_edit(dir, [](h5::File& f) {
        f.write_strings_attribute("/optimizer", "buffers", {"momentum", "extra"});
    });
    EXPECT_THAT(e.where, HasSubstr("/optimizer/extra"));

    e = read_after_edit(
        dir, [](h5::File& f) { f.write_string_attribute("/", "format", "something-else"); });
    EXPECT_THAT(e.what, HasSubstr("not a slipway checkpoint"));
}

TEST(Checkpoint, MissingFileIsAnError) {
    auto read = read_checkpoint("/nonexistent/ckpt-0000000001.h5");
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.error().code, ExitCode::kBadCheckpoint);
}

}  // namespace
}  // namespace slipway
