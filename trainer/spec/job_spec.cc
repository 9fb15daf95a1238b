#include "spec/job_spec.h"

#include "spec/enum_names.h"

namespace slipway {
namespace {

template <class E>
const char* name_of(std::span<const EnumName<E>> names, E value) {
    for (const auto& entry : names) {
        if (entry.value == value) return entry.name;
    }
    return "?";  // only reachable through a cast of an out-of-range integer
}

}  // namespace

const char* to_string(Activation value) { return name_of<Activation>(kActivationNames, value); }
const char* to_string(LossKind value) { return name_of<LossKind>(kLossNames, value); }
const char* to_string(InitScheme value) { return name_of<InitScheme>(kInitNames, value); }
const char* to_string(OptimizerKind value) {
    return name_of<OptimizerKind>(kOptimizerNames, value);
}
const char* to_string(ScheduleKind value) { return name_of<ScheduleKind>(kScheduleNames, value); }
const char* to_string(RenderTarget value) {
    return name_of<RenderTarget>(kRenderTargetNames, value);
}
const char* to_string(NetworkMode value) { return name_of<NetworkMode>(kNetworkNames, value); }

}  // namespace slipway
