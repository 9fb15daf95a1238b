// write_checkpoint: the HDF5 layout of checkpoint.h, written aside, made durable, renamed.

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "checkpoint/checkpoint.h"
#include "checkpoint/directory.h"
#include "checkpoint/format.h"
#include "checkpoint/seal.h"
#include "common/system_error.h"
#include "data/h5.h"
#include "spec/job_spec.h"

namespace slipway {
namespace {

namespace cf = checkpoint_format;

std::string utc_now_iso8601() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char buffer[32];
    std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &utc);
    return buffer;
}

void write_model(h5::File& file, const MlpConfig& model) {
    file.create_group("/model");
    file.write_scalar_attribute<int32_t>("/model", "inputs", model.inputs);
    file.write_scalar_attribute<int32_t>("/model", "outputs", model.outputs);
    file.write_attribute<int32_t>("/model", "hidden", model.hidden);
    file.write_string_attribute("/model", "activation", to_string(model.activation));
    file.write_scalar_attribute<double>("/model", "dropout", model.dropout);
    file.write_string_attribute("/model", "loss", to_string(model.loss));
    file.write_string_attribute("/model", "init", to_string(model.init));
    std::vector<int32_t> shapes;
    for (const LayerSlot& slot : parameter_layout(model)) {
        shapes.push_back(slot.out);
        shapes.push_back(slot.in);
    }
    file.write("/model/layer_shapes", shapes, {shapes.size() / 2, 2});
}

// Throws Hdf5Error when HDF5 fails (disk full, read-only file system).
void write_layout(h5::File& file, const CheckpointState& state) {
    file.write_string_attribute("/", "format", cf::kFormatName);
    file.write_scalar_attribute<int32_t>("/", "format_version", cf::kFormatVersion);
    file.write_scalar_attribute<int64_t>("/", "step", state.step);
    file.write_scalar_attribute<int64_t>("/", "epoch", state.epoch);
    file.write_scalar_attribute<int64_t>("/", "position", state.position);
    file.write_scalar_attribute<int64_t>("/", "global_batch", state.global_batch);
    file.write_scalar_attribute<int32_t>("/", "world_size", state.world_size);
    file.write_scalar_attribute<uint64_t>("/", "seed", state.seed);
    file.write_scalar_attribute<double>("/", "learning_rate", state.learning_rate);
    file.write_string_attribute("/", "optimizer_name", state.optimizer_name);
    file.write_scalar_attribute<int64_t>("/", "optimizer_steps", state.optimizer_steps);
    file.write_scalar_attribute<int32_t>("/", "num_classes", state.num_classes);
    file.write_scalar_attribute<uint8_t>("/", "standardize", state.standardize ? 1 : 0);
    file.write_scalar_attribute<int64_t>("/", "eval_epoch", state.eval_epoch);
    file.write_scalar_attribute<double>("/", "test_loss", state.test_loss);
    file.write_scalar_attribute<double>("/", "test_accuracy", state.test_accuracy);
    file.write_string_attribute("/", "model_signature", model_signature(state.model));
    file.write_string_attribute("/", "created", utc_now_iso8601());
    file.write_scalar_attribute<uint32_t>("/", "checksum",
                                          cf::state_checksum(state.parameters, state.optimizer));

    write_model(file, state.model);
    file.write("/parameters", state.parameters, {state.parameters.size()});

    file.create_group("/optimizer");
    std::vector<std::string> names;
    for (const OptimizerState& buffer : state.optimizer) {
        names.push_back(buffer.name);
        file.write("/optimizer/" + buffer.name, buffer.values, {buffer.values.size()});
    }
    file.write_strings_attribute("/optimizer", "buffers", names);

    // A dataset, not an attribute: a spec can outgrow the 64 KiB of a compact attribute.
    file.write_string("/spec", state.spec_text);

    file.create_group("/data");
    file.write_strings_attribute("/data", "class_names", state.class_names);
    file.write_attribute<float>("/data", "feature_mean", state.feature_mean);
    file.write_attribute<float>("/data", "feature_std", state.feature_std);
}

// Writes `temp` completely, seals it (seal.h) and fsyncs it. `target` names the checkpoint in
// errors.
Status write_temp(const std::string& temp, const std::string& target,
                  const CheckpointState& state) {
    try {
        h5::File file = h5::File::create(temp, ExitCode::kBadCheckpoint, cf::kSealBytes);
        write_layout(file, state);
        file.close();  // H5Fflush + H5Fclose, throwing when either fails
    } catch (const Hdf5Error& e) {
        return cf::checkpoint_error(target, std::string("cannot write checkpoint: ") + e.what(),
                                    "is the disk full or the directory read-only?");
    }
    return cf::seal_file(temp);
}

}  // namespace

Result<std::string> write_checkpoint(const std::string& dir, const CheckpointState& state,
                                     int keep) {
    const std::filesystem::path folder(dir.empty() ? "." : dir);
    const std::string target = (folder / cf::checkpoint_name(state.step)).string();
    SLIPWAY_RETURN_IF_ERROR(cf::check_state(state, target));

    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec) {
        return cf::checkpoint_error(folder.string(),
                                    "cannot create the checkpoint directory: " + ec.message(),
                                    "check checkpoint.dir and its permissions");
    }

    const std::string temp = (folder / cf::temp_name(state.step, ::getpid())).string();
    Status written = write_temp(temp, target, state);
    if (!written.ok()) {
        std::filesystem::remove(temp, ec);
        return written.error();
    }
    if (std::rename(temp.c_str(), target.c_str()) != 0) {
        const int saved_errno = errno;
        std::filesystem::remove(temp, ec);
        return cf::checkpoint_error(
            target, "cannot rename " + temp + " into place: " + std::strerror(saved_errno));
    }
    // The rename is durable only once the directory is synced.
    SLIPWAY_RETURN_IF_ERROR(cf::sync_directory(folder.string()));

    cf::prune_checkpoints(folder.string(), keep, target);
    return target;
}

}  // namespace slipway
