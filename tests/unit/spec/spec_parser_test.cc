#include "spec/spec_parser.h"

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "spec_test_util.h"

namespace slipway {
namespace {

using ::testing::HasSubstr;
using spec_test::full_spec_with;
using spec_test::kFullSpec;
using spec_test::spec_failure;

TEST(SpecParserTest, FullSpecFillsEveryField) {
    auto result = parse_job_spec(kFullSpec, "job.yaml");
    ASSERT_TRUE(result.ok()) << result.error().message();
    const JobSpec& spec = *result;
    EXPECT_EQ(spec.name, "mnist-mlp");
    EXPECT_EQ(spec.image, "ghcr.io/acme/slipway:1.2");
    EXPECT_EQ(spec.data.path, "data/fashion.h5");  // relative paths stay as written
    EXPECT_TRUE(spec.data.standardize);
    EXPECT_EQ(spec.model.hidden, (std::vector<int>{512, 128, 64}));
    EXPECT_EQ(spec.model.activation, Activation::kGelu);
    EXPECT_DOUBLE_EQ(spec.model.dropout, 0.25);
    EXPECT_EQ(spec.model.loss, LossKind::kCrossEntropy);
    EXPECT_EQ(spec.model.init, InitScheme::kXavier);
    const TrainSpec& train = spec.train;
    EXPECT_EQ(train.epochs, 3);
    EXPECT_EQ(train.global_batch, 512);
    EXPECT_EQ(train.accumulate, 4);
    EXPECT_EQ(train.seed, 18446744073709551615ull);
    EXPECT_EQ(train.max_steps, 1000);
    EXPECT_EQ(train.log_every, 10);
    EXPECT_DOUBLE_EQ(train.clip_grad_norm, 1.5);
    EXPECT_DOUBLE_EQ(train.collective_timeout, 60);
    EXPECT_EQ(train.threads_per_rank, 2);
    EXPECT_EQ(train.optimizer.kind, OptimizerKind::kAdamW);
    EXPECT_DOUBLE_EQ(train.optimizer.lr, 0.001);
    EXPECT_DOUBLE_EQ(train.optimizer.momentum, 0.5);
    EXPECT_TRUE(train.optimizer.nesterov);
    EXPECT_DOUBLE_EQ(train.optimizer.weight_decay, 0.01);
    EXPECT_DOUBLE_EQ(train.optimizer.beta1, 0.8);
    EXPECT_DOUBLE_EQ(train.optimizer.beta2, 0.99);
    EXPECT_DOUBLE_EQ(train.optimizer.eps, 1e-6);
    EXPECT_EQ(train.schedule.kind, ScheduleKind::kStep);
    EXPECT_EQ(train.schedule.warmup_steps, 100);
    EXPECT_EQ(train.schedule.step_size, 200);
    EXPECT_DOUBLE_EQ(train.schedule.gamma, 0.5);
    EXPECT_DOUBLE_EQ(train.schedule.min_lr, 1e-5);
    EXPECT_EQ(spec.source_text, kFullSpec);
    EXPECT_EQ(spec.source_path, "");
}

TEST(SpecParserTest, LeftOutKeysKeepTheirDefaults) {
    auto result = parse_job_spec("data:\n  path: /data/train.h5\nmodel:\ntrain: {}\n", "job.yaml");
    ASSERT_TRUE(result.ok()) << result.error().message();
    JobSpec defaults;
    defaults.data.path = "/data/train.h5";
    const JobSpec& spec = *result;
    EXPECT_EQ(spec.name, defaults.name);
    EXPECT_EQ(spec.image, "");
    EXPECT_EQ(spec.data.path, "/data/train.h5");
    EXPECT_FALSE(spec.data.standardize);
    EXPECT_EQ(spec.model.hidden, defaults.model.hidden);
    EXPECT_EQ(spec.model.activation, Activation::kRelu);
    EXPECT_EQ(spec.model.loss, LossKind::kAuto);
    EXPECT_EQ(spec.model.init, InitScheme::kAuto);
    EXPECT_EQ(spec.train.epochs, defaults.train.epochs);
    EXPECT_EQ(spec.train.global_batch, defaults.train.global_batch);
    EXPECT_EQ(spec.train.seed, defaults.train.seed);
    EXPECT_EQ(spec.train.optimizer.kind, OptimizerKind::kSgd);
    EXPECT_DOUBLE_EQ(spec.train.optimizer.lr, defaults.train.optimizer.lr);
    EXPECT_DOUBLE_EQ(spec.train.optimizer.eps, defaults.train.optimizer.eps);
    EXPECT_EQ(spec.train.schedule.kind, ScheduleKind::kConstant);
    EXPECT_EQ(spec.train.schedule.step_size, defaults.train.schedule.step_size);
}

TEST(SpecParserTest, AcceptsBoundaryValues) {
    auto result = parse_job_spec(R"(data: {path: x}
train:
  accumulate: 8
  global_batch: 8
  max_steps: 0
  seed: 0
  optimizer: {momentum: 0, weight_decay: 0, lr: 1}
  schedule: {gamma: 1, warmup_steps: 0, min_lr: 0}
model: {dropout: 0, hidden: [1]}
name: a
)", "job.yaml");
    ASSERT_TRUE(result.ok()) << result.error().message();
    EXPECT_DOUBLE_EQ(result->train.schedule.gamma, 1.0);
    EXPECT_EQ(result->name, "a");
}

// One line of kFullSpec replaced by a bad one: the error must name that line, the key path
// and the problem.
struct BadLine {
    int line;
    std::string text;
    std::string what;
    std::string hint = "";
};

void PrintTo(const BadLine& bad, std::ostream* out) { *out << bad.line << ": " << bad.text; }

class BadLineTest : public ::testing::TestWithParam<BadLine> {};

TEST_P(BadLineTest, NamesLineKeyPathAndProblem) {
    const BadLine& bad = GetParam();
    Error error = spec_failure(full_spec_with(bad.line, bad.text));
    EXPECT_EQ(error.where, "job.yaml:" + std::to_string(bad.line));
    EXPECT_THAT(error.what, HasSubstr(bad.what));
    EXPECT_THAT(error.hint, HasSubstr(bad.hint));
}

INSTANTIATE_TEST_SUITE_P(UnknownKeys, BadLineTest, ::testing::Values(
    BadLine{2, "imgae: x", "unknown key 'imgae'", "did you mean 'image'?"},
    BadLine{5, "  standardise: true", "unknown key 'data.standardise'",
            "did you mean 'standardize'?"},
    BadLine{12, "trian:", "unknown key 'trian'", "did you mean 'train'?"},
    BadLine{13, "  epoch: 3", "unknown key 'train.epoch'", "did you mean 'epochs'?"},
    BadLine{22, "  optimzer:", "unknown key 'train.optimzer'", "did you mean 'optimizer'?"},
    BadLine{24, "    lrr: 0.1", "unknown key 'train.optimizer.lrr'", "did you mean 'lr'?"},
    BadLine{33, "    warmup: 10", "unknown key 'train.schedule.warmup'",
            "valid keys: name, warmup_steps, step_size, gamma, min_lr"},
    BadLine{17, "  resources: 3", "unknown key 'train.resources'", "valid keys: epochs"}));

INSTANTIATE_TEST_SUITE_P(WrongTypes, BadLineTest, ::testing::Values(
    BadLine{5, "  standardize: yes", "data.standardize must be true or false, got 'yes'"},
    BadLine{7, "  hidden: 256", "model.hidden must be a list of integers, got '256'"},
    BadLine{7, "  hidden: [512, wide]", "model.hidden[1] must be an integer, got 'wide'"},
    BadLine{8, "  activation: sigmoid",
            "model.activation must be one of relu, gelu, tanh; got 'sigmoid'"},
    BadLine{8, "  activation: Relu", "must be one of relu, gelu, tanh", "did you mean 'relu'?"},
    BadLine{13, "  epochs: ten", "train.epochs must be an integer, got 'ten'"},
    BadLine{13, "  epochs: 1.5", "train.epochs must be an integer, got '1.5'"},
    BadLine{13, "  epochs: true", "train.epochs must be an integer, got 'true'"},
    BadLine{13, "  epochs: \"3\"", "train.epochs must be an integer, got '3'",
            "remove the quotes"},
    BadLine{13, "  epochs:", "train.epochs must be an integer, got an empty value"},
    BadLine{13, "  epochs: [3]", "train.epochs must be an integer, got a list"},
    BadLine{16, "  seed: 4.2", "train.seed must be a non-negative integer, got '4.2'"},
    BadLine{23, "    name: adam", "train.optimizer.name must be one of sgd, adamw; got 'adam'",
            "did you mean 'adamw'?"},
    BadLine{24, "    lr: fast", "train.optimizer.lr must be a number, got 'fast'"},
    BadLine{24, "    lr: true", "train.optimizer.lr must be a number, got 'true'"},
    BadLine{24, "    lr: .inf", "train.optimizer.lr must be a number, got '.inf'"},
    BadLine{24, "    lr: {a: 1}", "train.optimizer.lr must be a number, got a map"},
    BadLine{26, "    nesterov: 1", "train.optimizer.nesterov must be true or false, got '1'"},
    BadLine{32, "    name: linear",
            "train.schedule.name must be one of constant, step, cosine; got 'linear'"}));

INSTANTIATE_TEST_SUITE_P(OutOfRange, BadLineTest, ::testing::Values(
    BadLine{1, "name: My_Job", "name must be a DNS-1123 label, got 'My_Job'", "lowercase"},
    BadLine{1, "name: job-", "name must be a DNS-1123 label, got 'job-'"},
    BadLine{1, "name: " + std::string(64, 'a'), "name must be a DNS-1123 label"},
    BadLine{4, "  path: \"\"", "data.path must not be empty"},
    BadLine{7, "  hidden: [512, 0, 64]", "model.hidden[1] must be >= 1, got 0"},
    BadLine{7, "  hidden: []", "model.hidden must not be empty"},
    BadLine{9, "  dropout: 1", "model.dropout must be in [0, 1), got 1"},
    BadLine{9, "  dropout: -0.1", "model.dropout must be in [0, 1), got -0.1"},
    BadLine{13, "  epochs: 0", "train.epochs must be >= 1, got 0"},
    BadLine{13, "  epochs: 3000000000", "train.epochs must be <= 2147483647, got 3000000000"},
    BadLine{14, "  global_batch: 0", "train.global_batch must be >= 1, got 0"},
    BadLine{15, "  accumulate: 0", "train.accumulate must be >= 1, got 0"},
    BadLine{15, "  accumulate: 1024",
            "train.accumulate must be <= train.global_batch (512), got 1024"},
    BadLine{16, "  seed: -1", "train.seed must be a non-negative integer, got -1"},
    BadLine{16, "  seed: 18446744073709551616", "train.seed is out of range"},
    BadLine{17, "  max_steps: -1", "train.max_steps must be >= 0, got -1"},
    BadLine{18, "  log_every: 0", "train.log_every must be >= 1, got 0"},
    BadLine{19, "  clip_grad_norm: -0.5", "train.clip_grad_norm must be >= 0, got -0.5"},
    BadLine{20, "  collective_timeout: 0", "train.collective_timeout must be > 0, got 0"},
    BadLine{21, "  threads_per_rank: -1", "train.threads_per_rank must be >= 0, got -1"},
    BadLine{24, "    lr: -1", "train.optimizer.lr must be > 0, got -1"},
    BadLine{24, "    lr: 0", "train.optimizer.lr must be > 0, got 0"},
    BadLine{25, "    momentum: 1.0", "train.optimizer.momentum must be in [0, 1), got 1.0"},
    BadLine{27, "    weight_decay: -0.01", "train.optimizer.weight_decay must be >= 0"},
    BadLine{28, "    beta1: 1", "train.optimizer.beta1 must be in [0, 1), got 1"},
    BadLine{29, "    beta2: -0.1", "train.optimizer.beta2 must be in [0, 1), got -0.1"},
    BadLine{30, "    eps: 0", "train.optimizer.eps must be > 0, got 0"},
    BadLine{33, "    warmup_steps: -5", "train.schedule.warmup_steps must be >= 0, got -5"},
    BadLine{34, "    step_size: 0", "train.schedule.step_size must be >= 1, got 0"},
    BadLine{35, "    gamma: 0", "train.schedule.gamma must be in (0, 1], got 0"},
    BadLine{35, "    gamma: 1.5", "train.schedule.gamma must be in (0, 1], got 1.5"},
    BadLine{36, "    min_lr: -1e-5", "train.schedule.min_lr must be >= 0, got -1e-5"}));

TEST(SpecParserTest, ReportsTheFirstErrorInDocumentOrder) {
    std::string yaml = full_spec_with(24, "    lr: -1");
    yaml = yaml.substr(0, yaml.find("  dropout")) + "  dropout: 2\n" +
           yaml.substr(yaml.find("  loss"));
    Error error = spec_failure(yaml);
    EXPECT_EQ(error.where, "job.yaml:9");
    EXPECT_THAT(error.what, HasSubstr("model.dropout"));

    error = spec_failure("train:\n  epochs: 0\n  bogus: 1\ndata: {path: x}\n");
    EXPECT_EQ(error.where, "job.yaml:2");
    EXPECT_THAT(error.what, HasSubstr("train.epochs must be >= 1"));

    // Range errors come before the missing data.path the end of the document reveals.
    error = spec_failure("model: {dropout: 5}\n");
    EXPECT_EQ(error.where, "job.yaml:1");
    EXPECT_THAT(error.what, HasSubstr("model.dropout"));
}

TEST(SpecParserTest, DuplicateKeyIsAnError) {
    Error error = spec_failure("data:\n  path: a\n  path: b\n");
    EXPECT_EQ(error.where, "job.yaml:3");
    EXPECT_THAT(error.what, HasSubstr("duplicate key 'data.path'"));
}

TEST(SpecParserTest, SectionThatIsNotAMap) {
    Error error = spec_failure("data:\n  path: x\ntrain: 5\n");
    EXPECT_EQ(error.where, "job.yaml:3");
    EXPECT_THAT(error.what, HasSubstr("train must be a map, got '5'"));

    error = spec_failure("data:\n  path: x\nmodel:\n  - relu\n");
    EXPECT_EQ(error.where, "job.yaml:3");
    EXPECT_THAT(error.what, HasSubstr("model must be a map, got a list"));
}

TEST(SpecParserTest, MissingDataPath) {
    Error error = spec_failure("name: job\ndata:\n  standardize: true\n");
    EXPECT_EQ(error.where, "job.yaml:2");
    EXPECT_THAT(error.what, HasSubstr("missing required key 'data.path'"));
    EXPECT_THAT(error.hint, HasSubstr("data.path"));

    error = spec_failure("# a comment\nname: job\ntrain:\n  epochs: 2\n");
    EXPECT_EQ(error.where, "job.yaml:2");
    EXPECT_THAT(error.what, HasSubstr("missing required key 'data.path'"));

    error = spec_failure("data:\n  path:\n");
    EXPECT_EQ(error.where, "job.yaml:2");
    EXPECT_THAT(error.what, HasSubstr("data.path must be a string, got an empty value"));
}

TEST(SpecParserTest, DocumentMustBeOneMap) {
    Error error = spec_failure("");
    EXPECT_EQ(error.where, "job.yaml");
    EXPECT_THAT(error.what, HasSubstr("empty"));

    error = spec_failure("# only a comment\n");
    EXPECT_THAT(error.what, HasSubstr("empty"));

    error = spec_failure("\n- a\n- b\n");
    EXPECT_EQ(error.where, "job.yaml:2");
    EXPECT_THAT(error.what, HasSubstr("must be a map of keys, got a list"));

    error = spec_failure("data: {path: x}\n---\ndata: {path: y}\n");
    EXPECT_EQ(error.where, "job.yaml:3");
    EXPECT_THAT(error.what, HasSubstr("2 YAML documents"));
}

TEST(SpecParserTest, YamlSyntaxErrorGivesLineAndColumn) {
    Error error = spec_failure("data:\n  path: x\ntrain: a: b\n");
    EXPECT_EQ(error.where, "job.yaml:3:9");
    EXPECT_THAT(error.what, HasSubstr("invalid YAML"));

    error = spec_failure("data:\n  path: x\n  standardize: true\n bad: indent\n");
    EXPECT_EQ(error.where, "job.yaml:4:2");
    EXPECT_THAT(error.what, HasSubstr("invalid YAML"));
}

class SpecFileTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("spec_test_" + std::to_string(::getpid()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string write(const std::string& name, const std::string& text) {
        std::string path = (dir_ / name).string();
        std::ofstream(path) << text;
        return path;
    }

    std::filesystem::path dir_;
};

TEST_F(SpecFileTest, LoadsFileAndKeepsPathAndText) {
    std::string path = write("job.yaml", kFullSpec);
    auto result = load_job_spec(path);
    ASSERT_TRUE(result.ok()) << result.error().message();
    EXPECT_EQ(result->source_path, path);
    EXPECT_EQ(result->source_text, kFullSpec);
    EXPECT_EQ(result->train.epochs, 3);
}

TEST_F(SpecFileTest, ErrorsNameTheFile) {
    std::string path = write("bad.yaml", full_spec_with(13, "  epochs: ten"));
    auto result = load_job_spec(path);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().where, path + ":13");
    EXPECT_THAT(result.error().message(), HasSubstr("train.epochs must be an integer"));
}

TEST_F(SpecFileTest, MissingFileIsABadSpecNamingThePath) {
    std::string path = (dir_ / "nope.yaml").string();
    auto result = load_job_spec(path);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ExitCode::kBadSpec);
    EXPECT_EQ(result.error().where, path);
    EXPECT_THAT(result.error().what, HasSubstr(path));
    EXPECT_THAT(result.error().what, HasSubstr("No such file"));

    result = load_job_spec(dir_.string());
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.error().what, HasSubstr("directory"));
}

}  // namespace
}  // namespace slipway
