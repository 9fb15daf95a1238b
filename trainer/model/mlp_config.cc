#include "model/mlp_config.h"

#include <charconv>

namespace slipway {
namespace {

// Local names: the spec library's to_string() is not a dependency of the model.
const char* activation_name(Activation activation) {
    switch (activation) {
        case Activation::kRelu: return "relu";
        case Activation::kGelu: return "gelu";
        case Activation::kTanh: return "tanh";
    }
    return "?";
}

const char* loss_name(LossKind loss) {
    switch (loss) {
        case LossKind::kAuto: return "auto";
        case LossKind::kCrossEntropy: return "cross_entropy";
        case LossKind::kMse: return "mse";
    }
    return "?";
}

std::string shortest(double value) {
    char buffer[32];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
    return ec == std::errc() ? std::string(buffer, end) : std::string("?");
}

}  // namespace

std::vector<LayerSlot> parameter_layout(const MlpConfig& config) {
    std::vector<LayerSlot> layout;
    layout.reserve(config.hidden.size() + 1);
    size_t offset = 0;
    int in = config.inputs;
    auto add = [&](int out) {
        LayerSlot slot;
        slot.in = in;
        slot.out = out;
        slot.weight_offset = offset;
        offset += static_cast<size_t>(in) * static_cast<size_t>(out);
        slot.bias_offset = offset;
        offset += static_cast<size_t>(out);
        layout.push_back(slot);
        in = out;
    };
    for (int width : config.hidden) add(width);
    add(config.outputs);
    return layout;
}

size_t parameter_count(const MlpConfig& config) {
    const LayerSlot last = parameter_layout(config).back();
    return last.bias_offset + static_cast<size_t>(last.out);
}

std::string model_signature(const MlpConfig& config) {
    // Appends only: GCC 12 at -O3 warns falsely (-Wrestrict) on "literal" + std::string.
    std::string out = "mlp ";
    out.append(std::to_string(config.inputs));
    for (int width : config.hidden) out.append("-").append(std::to_string(width));
    out.append("-").append(std::to_string(config.outputs));
    out.append(" act=").append(activation_name(config.activation));
    out.append(" dropout=").append(shortest(config.dropout));
    out.append(" loss=").append(loss_name(config.loss));
    return out;
}

}  // namespace slipway
