#include "export/exported_model.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "export/graph_names.h"
#include "export/onnx_tensor.h"

namespace slipway {
namespace {

using namespace export_graph;

constexpr char kRefusal[] = "slipway-serve runs only the graphs slipway-train exports";
constexpr char kHint[] =
    "serve other models with Triton or onnxruntime; make slipway models with slipway-train "
    "export";
constexpr int64_t kOldestOpset = 13;  // Softmax's current semantics

bool supported_operator(const onnx::NodeProto& node) {
    static const std::set<std::string> operators = {"Gemm", "Relu", "Tanh", "Mul",
                                                    "Add",  "Sub",  "Div",  "Softmax"};
    const bool default_domain = node.domain().empty() || node.domain() == "ai.onnx";
    return default_domain && operators.count(node.op_type()) > 0;
}

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof(float)) == 0; }

// Walks the graph's nodes in order against the one shape slipway writes (onnx_graph.h).
class GraphReader {
 public:
    GraphReader(const onnx::GraphProto& graph, std::string where)
        : graph_(graph), where_(std::move(where)) {}

    Result<ExportedModel> read();

 private:
    struct Taken {
        const onnx::NodeProto* node = nullptr;
        int index = 0;
    };

    Error error(std::string what) const {
        return Error{ExitCode::kBadCheckpoint, std::move(what), where_, kHint};
    }
    std::string describe(int index) const {
        const onnx::NodeProto& node = graph_.node(index);
        return "node " + std::to_string(index) + " (name '" + node.name() + "', " + node.op_type() +
               ")";
    }
    Error node_error(int index, const std::string& what) const {
        return error(describe(index) + " " + what + ": " + kRefusal);
    }

    Status check_operators() const;
    Status read_input();
    Result<Taken> take(const char* op, int inputs);
    Status expect_input(const Taken& taken, int slot, const std::string& name) const;
    Result<std::vector<float>> initializer(const Taken& taken, int slot,
                                           const std::vector<int64_t>& dims) const;
    Status expect_scalar(const Taken& taken, int slot, float value) const;
    Status read_standardization();
    Status read_gemm_attributes(const Taken& taken) const;
    Result<int> read_gemm(int width);
    Result<Activation> read_activation();
    Status read_gelu();
    Status read_outputs(const std::string& linear);

    const onnx::GraphProto& graph_;
    std::string where_;
    std::map<std::string, const onnx::TensorProto*> initializers_;
    int next_ = 0;         // the next node to match
    std::string current_;  // the tensor the next node must consume
    ExportedModel model_;
};

Status GraphReader::check_operators() const {
    for (int i = 0; i < graph_.node_size(); ++i) {
        const onnx::NodeProto& node = graph_.node(i);
        if (!supported_operator(node)) {
            std::string op = node.op_type();
            if (!node.domain().empty()) op = node.domain() + "::" + op;
            return error("unsupported operator '" + op + "' at node " + std::to_string(i) +
                         " (name '" + node.name() + "'): " + kRefusal);
        }
    }
    return Status::success();
}

Status GraphReader::read_input() {
    const onnx::ValueInfoProto* input = nullptr;
    for (const onnx::ValueInfoProto& info : graph_.input()) {
        if (initializers_.count(info.name()) > 0) continue;  // IR < 4 lists initializers
        if (input != nullptr) {
            return error("the graph has inputs '" + input->name() + "' and '" + info.name() +
                         "': " + kRefusal + " (one input, [batch, features])");
        }
        input = &info;
    }
    if (input == nullptr) return error(std::string("the graph has no input: ") + kRefusal);
    const auto& type = input->type();
    if (!type.has_tensor_type() || type.tensor_type().elem_type() != onnx::TensorProto::FLOAT ||
        type.tensor_type().shape().dim_size() != 2 ||
        !type.tensor_type().shape().dim(1).has_dim_value()) {
        return error("input '" + input->name() +
                     "' is not a float32 [batch, features] tensor: " + kRefusal);
    }
    model_.input_name = input->name();
    model_.config.inputs = static_cast<int>(type.tensor_type().shape().dim(1).dim_value());
    if (model_.config.inputs <= 0) {
        return error("input '" + input->name() + "' has " + std::to_string(model_.config.inputs) +
                     " features");
    }
    current_ = input->name();
    return Status::success();
}

Result<GraphReader::Taken> GraphReader::take(const char* op, int inputs) {
    if (next_ >= graph_.node_size()) {
        return error("the graph ends where a slipway graph has a '" + std::string(op) +
                     "' node: " + kRefusal);
    }
    const Taken taken{&graph_.node(next_), next_};
    if (taken.node->op_type() != op) {
        return node_error(next_, std::string("stands where a slipway graph has '") + op + "'");
    }
    if (taken.node->input_size() != inputs || taken.node->output_size() != 1) {
        return node_error(next_, "has " + std::to_string(taken.node->input_size()) +
                                     " input(s) and " + std::to_string(taken.node->output_size()) +
                                     " output(s), expected " + std::to_string(inputs) + " and 1");
    }
    ++next_;
    return taken;
}

Status GraphReader::expect_input(const Taken& taken, int slot, const std::string& name) const {
    if (taken.node->input(slot) != name) {
        return node_error(taken.index, "reads '" + taken.node->input(slot) + "' as input " +
                                           std::to_string(slot) + " where a slipway graph reads '" +
                                           name + "'");
    }
    return Status::success();
}

Result<std::vector<float>> GraphReader::initializer(const Taken& taken, int slot,
                                                    const std::vector<int64_t>& dims) const {
    const std::string& name = taken.node->input(slot);
    auto found = initializers_.find(name);
    if (found == initializers_.end()) {
        return node_error(
            taken.index, "input " + std::to_string(slot) + " '" + name + "' is not an initializer");
    }
    const onnx::TensorProto& tensor = *found->second;
    const std::vector<int64_t> actual(tensor.dims().begin(), tensor.dims().end());
    const bool scalar = dims.empty() && actual == std::vector<int64_t>{1};
    if (actual != dims && !scalar) {
        std::string shape;
        for (int64_t dim : actual) shape += (shape.empty() ? "" : ", ") + std::to_string(dim);
        return node_error(taken.index, "initializer '" + name + "' has shape [" + shape +
                                           "], which does not fit the layers before it");
    }
    return read_float_tensor(tensor, where_ + " " + describe(taken.index));
}

Status GraphReader::expect_scalar(const Taken& taken, int slot, float value) const {
    auto scalar = initializer(taken, slot, {});
    SLIPWAY_RETURN_IF_ERROR(scalar);
    if (!same_bits((*scalar)[0], value)) {
        char text[96];
        std::snprintf(text, sizeof(text), "uses the constant %.9g where slipway's gelu has %.9g",
                      static_cast<double>((*scalar)[0]), static_cast<double>(value));
        return node_error(taken.index, text);
    }
    return Status::success();
}

Status GraphReader::read_standardization() {
    const auto width = static_cast<int64_t>(model_.config.inputs);
    auto sub = take("Sub", 2);
    SLIPWAY_RETURN_IF_ERROR(sub);
    SLIPWAY_RETURN_IF_ERROR(expect_input(*sub, 0, current_));
    auto mean = initializer(*sub, 1, {width});
    SLIPWAY_RETURN_IF_ERROR(mean);
    auto div = take("Div", 2);
    SLIPWAY_RETURN_IF_ERROR(div);
    SLIPWAY_RETURN_IF_ERROR(expect_input(*div, 0, sub->node->output(0)));
    auto divisor = initializer(*div, 1, {width});
    SLIPWAY_RETURN_IF_ERROR(divisor);
    for (size_t f = 0; f < mean->size(); ++f) {
        if (!std::isfinite((*mean)[f]) || !std::isfinite((*divisor)[f]) || (*divisor)[f] == 0.0f) {
            return node_error(div->index, "standardises feature " + std::to_string(f) +
                                              " with mean " + std::to_string((*mean)[f]) +
                                              " and divisor " + std::to_string((*divisor)[f]));
        }
    }
    model_.feature_mean = std::move(*mean);
    model_.feature_divisor = std::move(*divisor);
    current_ = div->node->output(0);
    return Status::success();
}

Status GraphReader::read_gemm_attributes(const Taken& taken) const {
    bool transposed = false;
    for (const onnx::AttributeProto& attribute : taken.node->attribute()) {
        const std::string& name = attribute.name();
        const bool is_int = attribute.type() == onnx::AttributeProto::INT;
        const bool is_float = attribute.type() == onnx::AttributeProto::FLOAT;
        bool usual = false;
        if (name == "transB") {
            usual = is_int && attribute.i() == 1;
            transposed = usual;
        } else if (name == "transA") {
            usual = is_int && attribute.i() == 0;
        } else if (name == "alpha" || name == "beta") {
            usual = is_float && attribute.f() == 1.0f;
        }
        if (!usual) {
            return node_error(taken.index,
                              "has attribute '" + name + "' set other than slipway sets it");
        }
    }
    if (!transposed) {
        return node_error(taken.index, "lacks transB=1 (slipway stores weights as [out, in])");
    }
    return Status::success();
}

// One Gemm taking `width` features; returns its output width.
Result<int> GraphReader::read_gemm(int width) {
    auto gemm = take("Gemm", 3);
    SLIPWAY_RETURN_IF_ERROR(gemm);
    SLIPWAY_RETURN_IF_ERROR(expect_input(*gemm, 0, current_));
    SLIPWAY_RETURN_IF_ERROR(read_gemm_attributes(*gemm));
    const std::string& weight_name = gemm->node->input(1);
    auto found = initializers_.find(weight_name);
    if (found == initializers_.end() || found->second->dims_size() != 2 ||
        found->second->dims(0) <= 0 || found->second->dims(0) > (int64_t{1} << 24)) {
        return node_error(gemm->index,
                          "input 1 '" + weight_name + "' is not a [out, in] weight initializer");
    }
    const int64_t out = found->second->dims(0);
    auto weight = initializer(*gemm, 1, {out, width});
    SLIPWAY_RETURN_IF_ERROR(weight);
    auto bias = initializer(*gemm, 2, {out});
    SLIPWAY_RETURN_IF_ERROR(bias);
    model_.parameters.insert(model_.parameters.end(), weight->begin(), weight->end());
    model_.parameters.insert(model_.parameters.end(), bias->begin(), bias->end());
    current_ = gemm->node->output(0);
    return static_cast<int>(out);
}

Status GraphReader::read_gelu() {
    const std::string x = current_;
    std::string previous;  // the output of the node matched last
    // One node: `op` reading `first` (nullopt: a scalar initializer) and, when given, `second`.
    auto step = [&](const char* op, const std::optional<std::string>& first,
                    const std::optional<std::string>& second) -> Result<Taken> {
        auto taken = take(op, second ? 2 : 1);
        SLIPWAY_RETURN_IF_ERROR(taken);
        if (first) SLIPWAY_RETURN_IF_ERROR(expect_input(*taken, 0, *first));
        if (second) SLIPWAY_RETURN_IF_ERROR(expect_input(*taken, 1, *second));
        previous = taken->node->output(0);
        return taken;
    };
    auto scaled_by = [&](const char* op, float value, const std::string& operand) -> Status {
        auto taken = step(op, std::nullopt, operand);
        SLIPWAY_RETURN_IF_ERROR(taken);
        return expect_scalar(*taken, 0, value);
    };
    SLIPWAY_RETURN_IF_ERROR(scaled_by("Mul", kGeluC, x));           // c*x
    SLIPWAY_RETURN_IF_ERROR(step("Mul", previous, x));              // (c*x)*x
    SLIPWAY_RETURN_IF_ERROR(step("Mul", previous, x));              // ((c*x)*x)*x
    SLIPWAY_RETURN_IF_ERROR(step("Add", x, previous));              // x + c x^3
    SLIPWAY_RETURN_IF_ERROR(scaled_by("Mul", kGeluK, previous));    // k * (...)
    SLIPWAY_RETURN_IF_ERROR(step("Tanh", previous, std::nullopt));  // tanh
    SLIPWAY_RETURN_IF_ERROR(scaled_by("Add", kOne, previous));      // 1 + tanh
    const std::string one_plus = previous;
    SLIPWAY_RETURN_IF_ERROR(scaled_by("Mul", kHalf, x));       // 0.5 * x
    SLIPWAY_RETURN_IF_ERROR(step("Mul", previous, one_plus));  // (0.5 x)(1 + tanh)
    current_ = previous;
    return Status::success();
}

Result<Activation> GraphReader::read_activation() {
    const onnx::NodeProto& node = graph_.node(next_);
    if (node.op_type() == "Relu" || node.op_type() == "Tanh") {
        auto taken = take(node.op_type().c_str(), 1);
        SLIPWAY_RETURN_IF_ERROR(taken);
        SLIPWAY_RETURN_IF_ERROR(expect_input(*taken, 0, current_));
        current_ = taken->node->output(0);
        return node.op_type() == "Relu" ? Activation::kRelu : Activation::kTanh;
    }
    if (node.op_type() == "Mul") {
        SLIPWAY_RETURN_IF_ERROR(read_gelu());
        return Activation::kGelu;
    }
    return node_error(next_,
                      "follows a Gemm where a slipway graph has Relu, Tanh, gelu's Mul "
                      "or the output's Softmax");
}

Status GraphReader::read_outputs(const std::string& linear) {
    std::vector<std::string> expected = {linear};
    if (next_ < graph_.node_size()) {
        auto softmax = take("Softmax", 1);
        SLIPWAY_RETURN_IF_ERROR(softmax);
        SLIPWAY_RETURN_IF_ERROR(expect_input(*softmax, 0, linear));
        for (const onnx::AttributeProto& attribute : softmax->node->attribute()) {
            const bool last_axis = attribute.name() == "axis" &&
                                   attribute.type() == onnx::AttributeProto::INT &&
                                   (attribute.i() == 1 || attribute.i() == -1);
            if (!last_axis) {
                return node_error(softmax->index,
                                  "has attribute '" + attribute.name() + "' other than axis=1");
            }
        }
        expected.push_back(softmax->node->output(0));
        model_.config.loss = LossKind::kCrossEntropy;
    } else {
        model_.config.loss = LossKind::kMse;
    }
    if (next_ < graph_.node_size()) {
        return node_error(next_, "follows the output where a slipway graph ends");
    }
    std::vector<std::string> actual;
    for (const onnx::ValueInfoProto& output : graph_.output()) actual.push_back(output.name());
    if (actual != expected) {
        std::string names;
        for (const std::string& name : expected)
            names += (names.empty() ? "'" : ", '") + name + "'";
        return error("the graph's outputs are not " + names + ": " + kRefusal);
    }
    model_.output_names = std::move(actual);
    return Status::success();
}

Result<ExportedModel> GraphReader::read() {
    SLIPWAY_RETURN_IF_ERROR(check_operators());
    for (const onnx::TensorProto& tensor : graph_.initializer()) {
        initializers_[tensor.name()] = &tensor;
    }
    SLIPWAY_RETURN_IF_ERROR(read_input());
    if (graph_.node_size() > 0 && graph_.node(0).op_type() == "Sub") {
        SLIPWAY_RETURN_IF_ERROR(read_standardization());
    }
    int width = model_.config.inputs;
    std::optional<Activation> activation;
    for (;;) {
        auto out = read_gemm(width);
        SLIPWAY_RETURN_IF_ERROR(out);
        width = *out;
        if (next_ == graph_.node_size() || graph_.node(next_).op_type() == "Softmax") break;
        const int first = next_;
        auto act = read_activation();
        SLIPWAY_RETURN_IF_ERROR(act);
        if (activation && *activation != *act) {
            return node_error(first,
                              "changes the activation between layers, which a slipway "
                              "MLP never does");
        }
        activation = *act;
        model_.config.hidden.push_back(width);
    }
    model_.config.outputs = width;
    model_.config.activation = activation.value_or(Activation::kRelu);
    model_.config.dropout = 0.0;
    model_.config.init = InitScheme::kHe;
    SLIPWAY_RETURN_IF_ERROR(read_outputs(current_));
    return std::move(model_);
}

Status check_opset(const onnx::ModelProto& proto, const std::string& where) {
    for (const onnx::OperatorSetIdProto& opset : proto.opset_import()) {
        if (!opset.domain().empty() && opset.domain() != "ai.onnx") continue;
        if (opset.version() < kOldestOpset || opset.version() > kOpset) {
            return Error{ExitCode::kBadCheckpoint,
                         "the model imports opset " + std::to_string(opset.version()) +
                             "; slipway reads opsets " + std::to_string(kOldestOpset) + " to " +
                             std::to_string(kOpset),
                         where, kHint};
        }
        return Status::success();
    }
    return Error{ExitCode::kBadCheckpoint, "the model imports no opset of the default domain",
                 where, kHint};
}

Status read_metadata(const onnx::ModelProto& proto, const std::string& where,
                     ExportedModel& model) {
    for (const onnx::StringStringEntryProto& entry : proto.metadata_props()) {
        if (entry.key() == kMetaFormat && entry.value() != kFormatName) {
            return Error{ExitCode::kBadCheckpoint,
                         "the model's format is '" + entry.value() + "', this slipway reads '" +
                             kFormatName + "'",
                         where, "serve it with the slipway version that exported it"};
        }
        if (entry.key() != kMetaClassNames) continue;
        const auto names = nlohmann::json::parse(entry.value(), nullptr, false);
        bool valid = names.is_array();
        for (const auto& name : names) valid = valid && name.is_string();
        if (!valid) {
            return Error{
                ExitCode::kBadCheckpoint,
                std::string("metadata '") + kMetaClassNames + "' is not a JSON array of strings",
                where, "re-export the model with slipway-train export"};
        }
        model.class_names = names.get<std::vector<std::string>>();
    }
    const bool fits = model.class_names.empty() ||
                      (model.is_classification() &&
                       model.class_names.size() == static_cast<size_t>(model.config.outputs));
    if (!fits) {
        return Error{ExitCode::kBadCheckpoint,
                     std::to_string(model.class_names.size()) + " class names for " +
                         std::to_string(model.config.outputs) + " outputs",
                     where, "re-export the model with slipway-train export"};
    }
    return Status::success();
}

}  // namespace

Result<ExportedModel> parse_exported_model(std::string_view bytes, const std::string& where) {
    onnx::ModelProto proto;
    if (bytes.size() > static_cast<size_t>(INT32_MAX) ||
        !proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
        return Error{ExitCode::kBadCheckpoint, "not an ONNX model (protobuf parsing failed)", where,
                     "point at a model.onnx written by slipway-train export"};
    }
    SLIPWAY_RETURN_IF_ERROR(check_opset(proto, where));
    auto model = GraphReader(proto.graph(), where).read();
    SLIPWAY_RETURN_IF_ERROR(model);
    SLIPWAY_RETURN_IF_ERROR(read_metadata(proto, where, *model));
    return model;
}

Result<ExportedModel> read_exported_model(const std::string& model_onnx_path) {
    std::ifstream in(model_onnx_path, std::ios::binary);
    if (!in) {
        return Error{ExitCode::kBadCheckpoint, "cannot open the model file", model_onnx_path,
                     "check the path: <repository>/<name>/<version>/model.onnx"};
    }
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) {
        return Error{ExitCode::kBadCheckpoint, "reading the model file failed", model_onnx_path,
                     "check the file and the volume it is on"};
    }
    return parse_exported_model(bytes, model_onnx_path);
}

}  // namespace slipway
