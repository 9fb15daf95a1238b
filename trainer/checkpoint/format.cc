#include "checkpoint/format.h"

#include <zlib.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <set>

#include "model/mlp_config.h"
#include "spec/enum_names.h"

namespace slipway::checkpoint_format {
namespace {

uint32_t crc_bytes(uint32_t crc, const std::vector<float>& values) {
    // crc32_z takes a size_t length, so buffers over 4 GiB need no splitting.
    return static_cast<uint32_t>(
        crc32_z(crc, reinterpret_cast<const Bytef*>(values.data()), values.size() * sizeof(float)));
}

bool all_digits(std::string_view text) {
    if (text.empty()) return false;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

// `text` without `prefix` and `suffix`, when it has both.
std::optional<std::string_view> between(std::string_view text, std::string_view prefix,
                                        std::string_view suffix) {
    if (text.size() < prefix.size() + suffix.size() || !text.starts_with(prefix) ||
        !text.ends_with(suffix)) {
        return std::nullopt;
    }
    return text.substr(prefix.size(), text.size() - prefix.size() - suffix.size());
}

template <class T>
std::optional<T> parse_digits(std::string_view text) {
    if (!all_digits(text)) return std::nullopt;
    T value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;  // overflow
    return value;
}

}  // namespace

Status check_model(const MlpConfig& model, const std::string& where) {
    if (model.inputs <= 0 || model.outputs <= 0) {
        return checkpoint_error(where, "model has " + std::to_string(model.inputs) +
                                           " inputs and " + std::to_string(model.outputs) +
                                           " outputs");
    }
    for (int width : model.hidden) {
        if (width <= 0) {
            return checkpoint_error(where,
                                    "model has a hidden layer of width " + std::to_string(width));
        }
    }
    if (!(model.dropout >= 0.0 && model.dropout < 1.0)) {  // also rejects NaN
        return checkpoint_error(
            where, "model dropout " + std::to_string(model.dropout) + " is outside [0, 1)");
    }
    if (model.loss == LossKind::kAuto || model.init == InitScheme::kAuto) {
        return checkpoint_error(where, "model loss and init must be resolved, not auto");
    }
    return Status::success();
}

uint32_t state_checksum(const std::vector<float>& parameters,
                        const std::vector<OptimizerState>& optimizer) {
    uint32_t crc = static_cast<uint32_t>(crc32_z(0, Z_NULL, 0));
    crc = crc_bytes(crc, parameters);
    for (const OptimizerState& buffer : optimizer) crc = crc_bytes(crc, buffer.values);
    return crc;
}

std::string checkpoint_name(int64_t step) {
    char buffer[40];
    std::snprintf(buffer, sizeof(buffer), "ckpt-%010lld.h5", static_cast<long long>(step));
    return buffer;
}

std::optional<uint64_t> parse_checkpoint_name(std::string_view name) {
    auto digits = between(name, "ckpt-", ".h5");
    if (!digits) return std::nullopt;
    return parse_digits<uint64_t>(*digits);
}

std::string temp_name(int64_t step, long pid) {
    return ".ckpt-" + std::to_string(step) + ".h5.tmp-" + std::to_string(pid);
}

std::optional<long> parse_temp_name(std::string_view name) {
    auto middle = between(name, ".ckpt-", "");
    if (!middle) return std::nullopt;
    const size_t marker = middle->find(".h5.tmp-");
    if (marker == std::string_view::npos || !all_digits(middle->substr(0, marker))) {
        return std::nullopt;
    }
    return parse_digits<long>(middle->substr(marker + std::string_view(".h5.tmp-").size()));
}

bool valid_buffer_name(const std::string& name) {
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
           name.find('\0') == std::string::npos;
}

Status check_state(const CheckpointState& state, const std::string& where) {
    if (state.step < 0 || state.epoch < 0 || state.position < 0 || state.global_batch < 0 ||
        state.optimizer_steps < 0 || state.world_size < 0 || state.num_classes < 0) {
        return checkpoint_error(where, "negative counter (step " + std::to_string(state.step) +
                                           ", epoch " + std::to_string(state.epoch) +
                                           ", position " + std::to_string(state.position) + ")");
    }
    SLIPWAY_RETURN_IF_ERROR(check_model(state.model, where));
    const size_t count = parameter_count(state.model);
    if (state.parameters.size() != count) {
        return checkpoint_error(where, "has " + std::to_string(state.parameters.size()) +
                                           " parameters, model " + model_signature(state.model) +
                                           " needs " + std::to_string(count));
    }
    if (!parse_optimizer(state.optimizer_name)) {
        return checkpoint_error(where, "unknown optimizer name '" + state.optimizer_name + "'");
    }
    std::set<std::string> names;
    for (const OptimizerState& buffer : state.optimizer) {
        if (!valid_buffer_name(buffer.name) || !names.insert(buffer.name).second) {
            return checkpoint_error(where, "optimizer buffer name '" + buffer.name +
                                               "' is empty, repeated or contains '/'");
        }
        if (buffer.values.size() != count) {
            return checkpoint_error(where, "optimizer buffer " + buffer.name + " has " +
                                               std::to_string(buffer.values.size()) +
                                               " values, expected " + std::to_string(count));
        }
    }
    if (state.feature_mean.size() != state.feature_std.size()) {
        return checkpoint_error(
            where, "feature_mean has " + std::to_string(state.feature_mean.size()) +
                       " values but feature_std " + std::to_string(state.feature_std.size()));
    }
    return Status::success();
}

}  // namespace slipway::checkpoint_format
