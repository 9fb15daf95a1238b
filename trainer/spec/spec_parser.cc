#include "spec/spec_parser.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "spec/enum_names.h"
#include "spec/spec_reader.h"

namespace slipway {
namespace {

using schema::Field;
using schema::Range;

// Kubernetes names the Job, its pods and services after the spec's name, so it must be a
// DNS-1123 label.
bool is_dns1123_label(const std::string& text) {
    if (text.empty() || text.size() > 63) return false;
    auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    for (char c : text) {
        if (!alnum(c) && c != '-') return false;
    }
    return alnum(text.front()) && alnum(text.back());
}

// The job spec's schema, bound to the members of `spec` it fills. Keys, defaults and ranges
// follow job_spec.h; the order here is the order "valid keys" hints list them in.
Field job_spec_schema(JobSpec& spec) {
    ModelSpec& model = spec.model;
    TrainSpec& train = spec.train;
    OptimizerSpec& opt = train.optimizer;
    ScheduleSpec& sched = train.schedule;
    const Range unit = Range::closed_open(0, 1);
    return schema::map_field("", {
        schema::string_field("name", &spec.name,
                             {is_dns1123_label, "must be a DNS-1123 label",
                              "use at most 63 lowercase letters, digits and '-', starting and "
                              "ending with a letter or digit"}),
        schema::string_field("image", &spec.image),
        schema::map_field("data", {
            schema::required(
                schema::string_field("path", &spec.data.path,
                                     {[](const std::string& s) { return !s.empty(); },
                                      "must not be empty", ""}),
                "set data.path to the HDF5 file to train on"),
            schema::bool_field("standardize", &spec.data.standardize),
        }),
        schema::map_field("model", {
            schema::int_list_field("hidden", &model.hidden, Range::at_least(1)),
            schema::enum_field<Activation>("activation", &model.activation, kActivationNames),
            schema::double_field("dropout", &model.dropout, unit),
            schema::enum_field<LossKind>("loss", &model.loss, kLossNames),
            schema::enum_field<InitScheme>("init", &model.init, kInitNames),
        }),
        schema::map_field("train", {
            schema::int_field("epochs", &train.epochs, Range::at_least(1)),
            schema::int64_field("global_batch", &train.global_batch, Range::at_least(1)),
            schema::int_field("accumulate", &train.accumulate, Range::at_least(1)),
            schema::uint64_field("seed", &train.seed),
            schema::int64_field("max_steps", &train.max_steps, Range::at_least(0)),
            schema::int64_field("log_every", &train.log_every, Range::at_least(1)),
            schema::double_field("clip_grad_norm", &train.clip_grad_norm, Range::at_least(0)),
            schema::double_field("collective_timeout", &train.collective_timeout,
                                 Range::above(0)),
            schema::int_field("threads_per_rank", &train.threads_per_rank, Range::at_least(0)),
            schema::double_field("rendezvous_timeout", &train.rendezvous_timeout,
                                 Range::above(0)),
            schema::string_field("job_token", &train.job_token),
            schema::map_field("optimizer", {
                schema::enum_field<OptimizerKind>("name", &opt.kind, kOptimizerNames),
                schema::double_field("lr", &opt.lr, Range::above(0)),
                schema::double_field("momentum", &opt.momentum, unit),
                schema::bool_field("nesterov", &opt.nesterov),
                schema::double_field("weight_decay", &opt.weight_decay, Range::at_least(0)),
                schema::double_field("beta1", &opt.beta1, unit),
                schema::double_field("beta2", &opt.beta2, unit),
                schema::double_field("eps", &opt.eps, Range::above(0)),
            }),
            schema::map_field("schedule", {
                schema::enum_field<ScheduleKind>("name", &sched.kind, kScheduleNames),
                schema::int64_field("warmup_steps", &sched.warmup_steps, Range::at_least(0)),
                schema::int64_field("step_size", &sched.step_size, Range::at_least(1)),
                schema::double_field("gamma", &sched.gamma, Range::open_closed(0, 1)),
                schema::double_field("min_lr", &sched.min_lr, Range::at_least(0)),
            }),
        }),
        schema::map_field("checkpoint", {
            schema::string_field("dir", &spec.checkpoint.dir),
            schema::int64_field("every_steps", &spec.checkpoint.every_steps, Range::at_least(0)),
            schema::int_field("keep", &spec.checkpoint.keep, Range::at_least(1)),
            schema::bool_field("resume", &spec.checkpoint.resume),
        }),
    });
}

// Constraints between keys, checked once every key has read cleanly.
Status check_cross_field(const JobSpec& spec, const schema::Reader& reader,
                         const std::string& source_name) {
    const TrainSpec& train = spec.train;
    if (train.accumulate > train.global_batch) {
        std::string where = reader.where_of("train.accumulate")
                                .value_or(reader.where_of("train.global_batch")
                                              .value_or(source_name));
        return spec_error(where,
                          "train.accumulate must be <= train.global_batch (" +
                              std::to_string(train.global_batch) + "), got " +
                              std::to_string(train.accumulate),
                          "each step splits train.global_batch samples into train.accumulate "
                          "micro-batches");
    }
    const OptimizerSpec& opt = train.optimizer;
    if (opt.kind == OptimizerKind::kSgd && opt.nesterov && opt.momentum == 0) {
        // PyTorch refuses this too: Nesterov without momentum is plain SGD in disguise.
        std::string where = reader.where_of("train.optimizer.nesterov").value_or(source_name);
        return spec_error(where, "train.optimizer.nesterov needs train.optimizer.momentum > 0",
                          "set a momentum (e.g. 0.9) or nesterov: false");
    }
    const ScheduleSpec& schedule = train.schedule;
    if (schedule.kind == ScheduleKind::kCosine && schedule.min_lr > opt.lr) {
        std::string where = reader.where_of("train.schedule.min_lr").value_or(source_name);
        return spec_error(where,
                          "train.schedule.min_lr (" + std::to_string(schedule.min_lr) +
                              ") is above train.optimizer.lr (" + std::to_string(opt.lr) + ")",
                          "the cosine schedule decays from lr down to min_lr");
    }
    return Status::success();
}

}  // namespace

Result<SpecOverride> parse_override(const std::string& text) {
    const size_t eq = text.find('=');
    if (eq == std::string::npos) {
        return spec_error("--set " + text, "expected key.path=value, got '" + text + "'",
                          "e.g. --set train.optimizer.lr=0.1");
    }
    std::string key = text.substr(0, eq);
    const size_t first = key.find_first_not_of(" \t");
    const size_t last = key.find_last_not_of(" \t");
    key = first == std::string::npos ? "" : key.substr(first, last - first + 1);
    if (key.empty()) {
        return spec_error("--set " + text, "empty key in '" + text + "'",
                          "e.g. --set train.optimizer.lr=0.1");
    }
    return SpecOverride{key, text.substr(eq + 1)};
}

Result<JobSpec> parse_job_spec(const std::string& yaml_text, const std::string& source_name,
                               const std::vector<SpecOverride>& overrides) {
    std::vector<YAML::Node> documents;
    try {
        documents = YAML::LoadAll(yaml_text);
    } catch (const YAML::Exception& e) {
        std::string where = source_name;
        if (!e.mark.is_null()) {
            where += ":" + std::to_string(e.mark.line + 1) + ":" +
                     std::to_string(e.mark.column + 1);
        }
        return spec_error(where, "invalid YAML: " + e.msg);
    }
    if (documents.empty() || documents[0].IsNull()) {
        return spec_error(source_name, "the spec is empty",
                          "a job spec is a YAML map that sets at least data.path");
    }
    if (documents.size() > 1) {
        return spec_error(source_name + ":" + std::to_string(documents[1].Mark().line + 1),
                          "the spec holds " + std::to_string(documents.size()) +
                              " YAML documents; expected one");
    }
    YAML::Node root = documents[0];
    if (!root.IsMap()) {
        return spec_error(source_name + ":" + std::to_string(root.Mark().line + 1),
                          "the spec must be a map of keys, got " + schema::describe(root));
    }

    JobSpec spec;
    const Field job_schema = job_spec_schema(spec);
    schema::Locator locator(source_name);
    for (const SpecOverride& override : overrides) {
        SLIPWAY_RETURN_IF_ERROR(
            schema::apply_override(root, job_schema, override.key_path, override.value, locator));
    }
    schema::Reader reader(locator);
    SLIPWAY_RETURN_IF_ERROR(reader.read(job_schema, root));
    SLIPWAY_RETURN_IF_ERROR(check_cross_field(spec, reader, source_name));
    spec.source_text = yaml_text;
    return spec;
}

Result<JobSpec> load_job_spec(const std::string& path,
                              const std::vector<SpecOverride>& overrides) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        return spec_error(path, "cannot read the job spec '" + path + "': it is a directory");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return spec_error(path, "cannot read the job spec '" + path + "': " +
                                    std::strerror(errno),
                          "check the path given on the command line");
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        return spec_error(path, "cannot read the job spec '" + path + "': " +
                                    std::strerror(errno));
    }
    auto spec = parse_job_spec(text.str(), path, overrides);
    SLIPWAY_RETURN_IF_ERROR(spec);
    spec->source_path = path;
    return spec;
}

}  // namespace slipway
