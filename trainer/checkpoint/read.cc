// read_checkpoint: every field of the layout in checkpoint.h, checked.

#include <stdexcept>
#include <utility>

#include "checkpoint/checkpoint.h"
#include "checkpoint/format.h"
#include "checkpoint/seal.h"
#include "common/system_error.h"
#include "data/h5.h"
#include "spec/enum_names.h"

namespace slipway {
namespace {

namespace cf = checkpoint_format;

// One scalar attribute, stored as T, into `out`.
template <class T, class Out>
Status get(const h5::File& file, const std::string& object, const std::string& name, Out& out) {
    auto value = file.read_scalar_attribute<T>(object, name);
    SLIPWAY_RETURN_IF_ERROR(value);
    out = static_cast<Out>(*value);
    return Status::success();
}

Status get_string(const h5::File& file, const std::string& object, const std::string& name,
                  std::string& out) {
    auto value = file.read_string_attribute(object, name);
    SLIPWAY_RETURN_IF_ERROR(value);
    out = std::move(*value);
    return Status::success();
}

// An enum attribute spelled as the YAML spells it.
template <class E>
Status get_enum(const h5::File& file, const std::string& name, std::span<const EnumName<E>> names,
                E& out) {
    std::string text;
    SLIPWAY_RETURN_IF_ERROR(get_string(file, "/model", name, text));
    auto value = parse_enum<E>(names, text);
    if (!value)
        return file.error("/model", "attribute " + name + " has unknown value '" + text + "'");
    out = *value;
    return Status::success();
}

// A dataset of type T and exactly `shape`. The shape is checked before anything is read, so a
// damaged header cannot make the reader allocate whatever it claims.
template <class T>
Result<std::vector<T>> read_exact(const h5::File& file, const std::string& name,
                                  const h5::Shape& shape) {
    auto info = file.dataset_info(name);
    SLIPWAY_RETURN_IF_ERROR(info);
    if (info->type.name != h5::describe_type(h5::native_type<T>()).name || info->shape != shape) {
        return file.error(name, "has dtype " + info->type.name + " and shape " +
                                    h5::shape_string(info->shape) + ", expected " +
                                    h5::describe_type(h5::native_type<T>()).name + " " +
                                    h5::shape_string(shape));
    }
    auto array = file.read<T>(name);
    SLIPWAY_RETURN_IF_ERROR(array);
    return std::move(array->values);
}

Status check_format(const h5::File& file) {
    // The marker first: without it the file is someone else's, whatever else it holds.
    std::string format;
    if (!file.has_attribute("/", "format") || !get_string(file, "/", "format", format).ok() ||
        format != cf::kFormatName) {
        return file.error("", "not a slipway checkpoint",
                          std::string("no format attribute \"") + cf::kFormatName + "\"");
    }
    int64_t version = 0;
    SLIPWAY_RETURN_IF_ERROR(get<int64_t>(file, "/", "format_version", version));
    if (version != cf::kFormatVersion) {
        return file.error("", "checkpoint format version " + std::to_string(version) +
                                  " is not supported (this build reads version " +
                                  std::to_string(cf::kFormatVersion) + ")");
    }
    return Status::success();
}

Status read_root(const h5::File& file, CheckpointState& state) {
    SLIPWAY_RETURN_IF_ERROR(get<int64_t>(file, "/", "step", state.step));
    SLIPWAY_RETURN_IF_ERROR(get<int64_t>(file, "/", "epoch", state.epoch));
    SLIPWAY_RETURN_IF_ERROR(get<int64_t>(file, "/", "position", state.position));
    SLIPWAY_RETURN_IF_ERROR(get<int64_t>(file, "/", "global_batch", state.global_batch));
    SLIPWAY_RETURN_IF_ERROR(get<int32_t>(file, "/", "world_size", state.world_size));
    SLIPWAY_RETURN_IF_ERROR(get<uint64_t>(file, "/", "seed", state.seed));
    SLIPWAY_RETURN_IF_ERROR(get<double>(file, "/", "learning_rate", state.learning_rate));
    SLIPWAY_RETURN_IF_ERROR(get_string(file, "/", "optimizer_name", state.optimizer_name));
    SLIPWAY_RETURN_IF_ERROR(get<int64_t>(file, "/", "optimizer_steps", state.optimizer_steps));
    SLIPWAY_RETURN_IF_ERROR(get<int32_t>(file, "/", "num_classes", state.num_classes));
    int standardize = 0;
    SLIPWAY_RETURN_IF_ERROR(get<uint8_t>(file, "/", "standardize", standardize));
    if (standardize != 0 && standardize != 1) {
        return file.error(
            "", "attribute standardize is " + std::to_string(standardize) + ", expected 0 or 1");
    }
    state.standardize = standardize == 1;
    SLIPWAY_RETURN_IF_ERROR(get<int64_t>(file, "/", "eval_epoch", state.eval_epoch));
    SLIPWAY_RETURN_IF_ERROR(get<double>(file, "/", "test_loss", state.test_loss));
    SLIPWAY_RETURN_IF_ERROR(get<double>(file, "/", "test_accuracy", state.test_accuracy));
    return Status::success();
}

Status read_model(const h5::File& file, MlpConfig& model) {
    SLIPWAY_RETURN_IF_ERROR(get<int32_t>(file, "/model", "inputs", model.inputs));
    SLIPWAY_RETURN_IF_ERROR(get<int32_t>(file, "/model", "outputs", model.outputs));
    auto hidden = file.read_attribute<int32_t>("/model", "hidden");
    SLIPWAY_RETURN_IF_ERROR(hidden);
    model.hidden.assign(hidden->begin(), hidden->end());
    SLIPWAY_RETURN_IF_ERROR(
        get_enum<Activation>(file, "activation", kActivationNames, model.activation));
    SLIPWAY_RETURN_IF_ERROR(get<double>(file, "/model", "dropout", model.dropout));
    SLIPWAY_RETURN_IF_ERROR(get_enum<LossKind>(file, "loss", kLossNames, model.loss));
    SLIPWAY_RETURN_IF_ERROR(get_enum<InitScheme>(file, "init", kInitNames, model.init));
    SLIPWAY_RETURN_IF_ERROR(cf::check_model(model, file.path() + ":/model"));

    // The signature and the layer shapes repeat the attributes; a disagreement means the file
    // was edited or damaged.
    std::string signature;
    SLIPWAY_RETURN_IF_ERROR(get_string(file, "/", "model_signature", signature));
    if (signature != model_signature(model)) {
        return file.error("", "model_signature '" + signature + "' does not match /model (" +
                                  model_signature(model) + ")");
    }
    const std::vector<LayerSlot> layout = parameter_layout(model);
    auto shapes = read_exact<int32_t>(file, "/model/layer_shapes", {layout.size(), 2});
    SLIPWAY_RETURN_IF_ERROR(shapes);
    for (size_t i = 0; i < layout.size(); ++i) {
        if ((*shapes)[2 * i] != layout[i].out || (*shapes)[2 * i + 1] != layout[i].in) {
            return file.error("/model/layer_shapes",
                              "layer " + std::to_string(i) + " does not match the model");
        }
    }
    return Status::success();
}

Status read_tensors(const h5::File& file, CheckpointState& state) {
    const size_t count = parameter_count(state.model);
    auto parameters = read_exact<float>(file, "/parameters", {count});
    SLIPWAY_RETURN_IF_ERROR(parameters);
    state.parameters = std::move(*parameters);

    auto names = file.read_strings_attribute("/optimizer", "buffers");
    SLIPWAY_RETURN_IF_ERROR(names);
    for (const std::string& name : *names) {
        if (!cf::valid_buffer_name(name)) {
            return file.error("/optimizer", "invalid buffer name '" + name + "'");
        }
        auto values = read_exact<float>(file, "/optimizer/" + name, {count});
        SLIPWAY_RETURN_IF_ERROR(values);
        state.optimizer.push_back({name, std::move(*values)});
    }

    uint32_t stored = 0;
    SLIPWAY_RETURN_IF_ERROR(get<uint32_t>(file, "/", "checksum", stored));
    if (stored != cf::state_checksum(state.parameters, state.optimizer)) {
        return file.error("", "checksum mismatch: file is corrupt",
                          "delete it; resume uses the newest checkpoint that reads cleanly");
    }
    return Status::success();
}

Status read_metadata(const h5::File& file, CheckpointState& state) {
    auto spec = file.read_string("/spec");
    SLIPWAY_RETURN_IF_ERROR(spec);
    state.spec_text = std::move(*spec);
    auto class_names = file.read_strings_attribute("/data", "class_names");
    SLIPWAY_RETURN_IF_ERROR(class_names);
    state.class_names = std::move(*class_names);
    auto mean = file.read_attribute<float>("/data", "feature_mean");
    SLIPWAY_RETURN_IF_ERROR(mean);
    state.feature_mean = std::move(*mean);
    auto std_dev = file.read_attribute<float>("/data", "feature_std");
    SLIPWAY_RETURN_IF_ERROR(std_dev);
    state.feature_std = std::move(*std_dev);
    return Status::success();
}

Result<CheckpointState> read_file(const std::string& path) {
    // The whole-file checksum before HDF5 parses anything (seal.h): damaged metadata can crash
    // HDF5 rather than fail.
    auto seal = cf::check_seal(path);
    SLIPWAY_RETURN_IF_ERROR(seal);
    auto file = h5::File::open(path, false, ExitCode::kBadCheckpoint);
    SLIPWAY_RETURN_IF_ERROR(file);  // "not an HDF5 file" says more than "not a checkpoint"
    if (*seal == cf::Seal::kAbsent) {
        return file->error("", "not a slipway checkpoint", "no checkpoint header at its start");
    }
    SLIPWAY_RETURN_IF_ERROR(check_format(*file));
    CheckpointState state;
    SLIPWAY_RETURN_IF_ERROR(read_root(*file, state));
    SLIPWAY_RETURN_IF_ERROR(read_model(*file, state.model));
    SLIPWAY_RETURN_IF_ERROR(read_tensors(*file, state));
    SLIPWAY_RETURN_IF_ERROR(read_metadata(*file, state));
    SLIPWAY_RETURN_IF_ERROR(cf::check_state(state, path));
    return state;
}

}  // namespace

Result<CheckpointState> read_checkpoint(const std::string& path) {
    // A damaged file makes HDF5 calls fail, which the wrapper throws; for a checkpoint that is
    // an expected problem (the loader skips the file), so it becomes a value here.
    try {
        return read_file(path);
    } catch (const Hdf5Error& e) {
        return cf::checkpoint_error(path, std::string("unreadable (torn or damaged): ") + e.what());
    } catch (const std::length_error& e) {  // a damaged size that no vector can hold
        return cf::checkpoint_error(path, std::string("unreadable (damaged size): ") + e.what());
    }
}

}  // namespace slipway
