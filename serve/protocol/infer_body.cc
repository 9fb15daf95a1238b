#include "serve/protocol/infer_body.h"

#include <algorithm>

#include "serve/protocol/json_numbers.h"

namespace slipway::serve {
namespace {

// Reads inputs[0].data into a TensorData, noting the first element that is not a number and
// the first number beyond float range instead of stopping there: the JSON after them must
// still be checked, and the shape decides later which problem (if any) a client hears of.
class DataScanner {
 public:
    DataScanner(JsonReader& reader, TensorData& data, size_t keep)
        : reader_(reader), data_(data), keep_(keep) {}

    bool read_value() {
        switch (reader_.peek()) {
            case JsonKind::kArray:
                return read_array();
            case JsonKind::kNumber:
                return read_number();
            default:
                return read_other();
        }
    }

 private:
    bool read_array() {
        if (!reader_.begin_array()) return false;
        indices_.push_back(0);
        PlainFloatTries tries;
        for (size_t i = 0;; ++i) {
            i += read_plain_numbers(i, tries);
            if (!reader_.next_element(i)) break;
            indices_.back() = i;
            // Numbers without the switch: a flat array of them is the usual body.
            const bool read = reader_.peek() == JsonKind::kNumber ? read_number() : read_value();
            if (!read) return false;
        }
        indices_.pop_back();
        return !reader_.failed();
    }

    // Elements `index`, ... of the current array while read_plain_floats takes them (and is
    // worth asking): numbers within float range, so no problem to note. Numbers past `keep` are
    // left to read_number, which counts them without storing them.
    size_t read_plain_numbers(size_t index, PlainFloatTries& tries) {
        if (!tries.worthwhile()) return 0;
        // Staged on the stack: growing `values` to the room first would zero it on every call.
        constexpr size_t kChunk = 256;
        float chunk[kChunk];
        size_t read = 0;
        for (;;) {
            const size_t room = std::min(kChunk, keep_ - std::min(keep_, data_.count));
            const size_t taken = reader_.read_plain_floats(index + read, chunk, room);
            data_.values.insert(data_.values.end(), chunk, chunk + taken);
            data_.count += taken;
            read += taken;
            if (room == 0 || taken < room) break;
        }
        tries.record(read);
        return read;
    }

    bool read_number() {
        double number = 0;
        if (!reader_.read_number(number)) return false;
        const std::optional<float> value = to_model_float(number);
        if (!value && !data_.beyond_float_range) {
            data_.beyond_float_range = TensorData::Problem{data_.count, path(), JsonKind::kNumber};
        }
        if (data_.count < keep_) data_.values.push_back(value.value_or(0.0f));
        ++data_.count;
        return true;
    }

    bool read_other() {
        const JsonKind kind = reader_.peek();
        if (!reader_.skip_value()) return false;
        if (!data_.not_a_number)
            data_.not_a_number = TensorData::Problem{data_.count, path(), kind};
        return true;
    }

    std::string path() const {
        std::string path = "inputs[0].data";
        for (const size_t index : indices_) {
            path += '[';
            path += std::to_string(index);
            path += ']';
        }
        return path;
    }

    JsonReader& reader_;
    TensorData& data_;
    const size_t keep_;
    std::vector<size_t> indices_;  // of each enclosing array, outermost first
};

bool read_member(JsonReader& reader, std::optional<std::string_view>& member) {
    std::string_view raw;
    if (!reader.read_raw(raw)) return false;
    member = raw;
    return true;
}

bool scan_input(JsonReader& reader, InputMembers& input, size_t keep, size_t body_size) {
    reader.begin_object();
    std::string key;
    for (size_t i = 0; reader.next_member(i, key); ++i) {
        bool read = false;
        if (key == "data") {
            input.data.emplace();
            // Each number takes at least two bytes ("0,").
            input.data->values.reserve(std::min(keep, body_size / 2 + 1));
            read = DataScanner(reader, *input.data, keep).read_value();
        } else if (key == "name") {
            read = read_member(reader, input.name);
        } else if (key == "datatype") {
            read = read_member(reader, input.datatype);
        } else if (key == "shape") {
            read = read_member(reader, input.shape);
        } else if (key == "parameters") {
            read = read_member(reader, input.parameters);
        } else {
            read = reader.skip_value();
        }
        if (!read) return false;
    }
    return !reader.failed();
}

bool scan_inputs(JsonReader& reader, InferBody& body, size_t keep, size_t body_size) {
    body.inputs = reader.peek();
    body.input_count = 0;
    body.first_input = JsonKind::kInvalid;
    body.input = InputMembers{};
    if (body.inputs != JsonKind::kArray) return reader.skip_value();
    reader.begin_array();
    for (size_t i = 0; reader.next_element(i); ++i) {
        ++body.input_count;
        if (i == 0) body.first_input = reader.peek();
        const bool read = i == 0 && body.first_input == JsonKind::kObject
                              ? scan_input(reader, body.input, keep, body_size)
                              : reader.skip_value();
        if (!read) return false;
    }
    return !reader.failed();
}

void scan_request(JsonReader& reader, InferBody& body, size_t keep, size_t body_size) {
    reader.begin_object();
    std::string key;
    for (size_t i = 0; reader.next_member(i, key); ++i) {
        bool read = false;
        if (key == "inputs") {
            read = scan_inputs(reader, body, keep, body_size);
        } else if (key == "id") {
            read = read_member(reader, body.id);
        } else if (key == "parameters") {
            read = read_member(reader, body.parameters);
        } else if (key == "outputs") {
            read = read_member(reader, body.outputs);
        } else {
            read = reader.skip_value();
        }
        if (!read) return;
    }
}

}  // namespace

ApiResult<InferBody> scan_infer_body(std::string_view json, size_t keep) {
    JsonReader reader(json);
    InferBody body;
    body.kind = reader.peek();
    if (body.kind == JsonKind::kObject) {
        scan_request(reader, body, keep, json.size());
    } else {
        reader.skip_value();
    }
    if (!reader.finish()) return bad_request(reader.error());
    return body;
}

}  // namespace slipway::serve
