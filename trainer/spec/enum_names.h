#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "spec/job_spec.h"

namespace slipway {

// The YAML spelling of each enum value. One table per enum is the single source of truth for
// to_string, parsing and the "must be one of" error text.
template <class E>
struct EnumName {
    E value;
    const char* name;
};

inline constexpr EnumName<Activation> kActivationNames[] = {
    {Activation::kRelu, "relu"}, {Activation::kGelu, "gelu"}, {Activation::kTanh, "tanh"}};
inline constexpr EnumName<LossKind> kLossNames[] = {
    {LossKind::kAuto, "auto"}, {LossKind::kCrossEntropy, "cross_entropy"},
    {LossKind::kMse, "mse"}};
inline constexpr EnumName<InitScheme> kInitNames[] = {
    {InitScheme::kAuto, "auto"}, {InitScheme::kHe, "he"}, {InitScheme::kXavier, "xavier"}};
inline constexpr EnumName<OptimizerKind> kOptimizerNames[] = {
    {OptimizerKind::kSgd, "sgd"}, {OptimizerKind::kAdamW, "adamw"}};
inline constexpr EnumName<ScheduleKind> kScheduleNames[] = {
    {ScheduleKind::kConstant, "constant"}, {ScheduleKind::kStep, "step"},
    {ScheduleKind::kCosine, "cosine"}};

inline constexpr EnumName<RenderTarget> kRenderTargetNames[] = {
    {RenderTarget::kIndexedJob, "indexed-job"}, {RenderTarget::kJobSet, "jobset"},
    {RenderTarget::kMpiJob, "mpijob"}};
inline constexpr EnumName<NetworkMode> kNetworkNames[] = {
    {NetworkMode::kDefault, "default"}, {NetworkMode::kRdma, "rdma"}};

// Exact, case-sensitive match against the table; nothing when `text` names no value.
template <class E>
std::optional<E> parse_enum(std::span<const EnumName<E>> names, std::string_view text) {
    for (const auto& entry : names) {
        if (text == entry.name) return entry.value;
    }
    return std::nullopt;
}

template <class E>
std::vector<std::string> enum_names(std::span<const EnumName<E>> names) {
    std::vector<std::string> out;
    for (const auto& entry : names) out.emplace_back(entry.name);
    return out;
}

inline std::optional<Activation> parse_activation(std::string_view text) {
    return parse_enum<Activation>(kActivationNames, text);
}
inline std::optional<LossKind> parse_loss(std::string_view text) {
    return parse_enum<LossKind>(kLossNames, text);
}
inline std::optional<InitScheme> parse_init(std::string_view text) {
    return parse_enum<InitScheme>(kInitNames, text);
}
inline std::optional<OptimizerKind> parse_optimizer(std::string_view text) {
    return parse_enum<OptimizerKind>(kOptimizerNames, text);
}
inline std::optional<ScheduleKind> parse_schedule(std::string_view text) {
    return parse_enum<ScheduleKind>(kScheduleNames, text);
}

}  // namespace slipway
