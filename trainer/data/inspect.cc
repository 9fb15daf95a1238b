#include "data/inspect.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>

#include "data/h5.h"

namespace slipway {

namespace {

// Arrays longer than this are summarised (length, first few, min/max) rather than listed.
constexpr size_t kListLimit = 10;
constexpr size_t kPreview = 5;
// A label dataset with more distinct values than this is not a class column worth a table.
constexpr size_t kHistogramLimit = 100;

std::string number(double value) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.6g", value);
    return text;
}

std::string bytes(double count) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int unit = 0;
    while (count >= 1024 && unit < 4) {
        count /= 1024;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof(text), unit == 0 ? "%.0f %s" : "%.1f %s", count, units[unit]);
    return text;
}

std::string pad(std::string text, size_t width) {
    if (text.size() < width) text.append(width - text.size(), ' ');
    return text;
}

template <class T>
std::string numbers(const std::vector<T>& values) {
    std::string text;
    const size_t shown = values.size() <= kListLimit ? values.size() : kPreview;
    for (size_t i = 0; i < shown; ++i) {
        text += (i ? ", " : "") + number(static_cast<double>(values[i]));
    }
    if (shown < values.size()) {
        const auto [low, high] = std::minmax_element(values.begin(), values.end());
        text = std::to_string(values.size()) + " values: " + text + ", ...; min " +
               number(static_cast<double>(*low)) + ", max " + number(static_cast<double>(*high));
    }
    return text;
}

std::string strings(const std::vector<std::string>& values) {
    std::string text;
    const size_t shown = values.size() <= kListLimit ? values.size() : kPreview;
    for (size_t i = 0; i < shown; ++i) text += (i ? ", " : "") + ("\"" + values[i] + "\"");
    if (shown < values.size()) text = std::to_string(values.size()) + " strings: " + text + ", ...";
    return text;
}

Result<std::string> attribute_value(const h5::File& file, const std::string& name,
                                    const h5::AttributeInfo& info) {
    switch (info.type.kind) {
        case h5::TypeInfo::Kind::kFloat: {
            auto values = file.read_attribute<double>("/", name);
            SLIPWAY_RETURN_IF_ERROR(values);
            return numbers(*values);
        }
        case h5::TypeInfo::Kind::kInteger: {
            if (info.type.is_signed) {
                auto values = file.read_attribute<int64_t>("/", name);
                SLIPWAY_RETURN_IF_ERROR(values);
                return numbers(*values);
            }
            auto values = file.read_attribute<uint64_t>("/", name);
            SLIPWAY_RETURN_IF_ERROR(values);
            return numbers(*values);
        }
        case h5::TypeInfo::Kind::kString: {
            auto values = file.read_strings_attribute("/", name);
            SLIPWAY_RETURN_IF_ERROR(values);
            return strings(*values);
        }
        case h5::TypeInfo::Kind::kOther:
            break;
    }
    return std::string("(not shown)");
}

std::string base_name(const std::string& path) {
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A histogram of a 1-D integer dataset called y or labels: the class balance is the first
// thing to check in a classification file.
Status describe_labels(const h5::File& file, const std::string& name,
                       const std::vector<std::string>& class_names, std::string& out) {
    auto labels = file.read<int64_t>(name, 1);
    SLIPWAY_RETURN_IF_ERROR(labels);
    std::map<int64_t, size_t> counts;
    for (int64_t label : labels->values) ++counts[label];
    out += "labels " + name + " (" + std::to_string(labels->values.size()) + " rows, " +
           std::to_string(counts.size()) + " distinct):\n";
    if (counts.size() > kHistogramLimit) {
        out += "  (too many distinct values for a histogram)\n";
        return Status::success();
    }
    size_t name_width = 5;
    for (const auto& [label, count] : counts) {
        if (label >= 0 && static_cast<size_t>(label) < class_names.size()) {
            name_width = std::max(name_width, class_names[label].size());
        }
    }
    out += "  " + pad("label", 7) + pad("class", name_width + 2) + "count\n";
    for (const auto& [label, count] : counts) {
        const std::string class_name = label >= 0 && static_cast<size_t>(label) < class_names.size()
                                           ? class_names[label]
                                           : "-";
        out += "  " + pad(std::to_string(label), 7) + pad(class_name, name_width + 2) +
               std::to_string(count) + "\n";
    }
    return Status::success();
}

}  // namespace

Result<std::string> describe_dataset_file(const std::string& path) {
    auto opened = h5::File::open(path);
    SLIPWAY_RETURN_IF_ERROR(opened);
    const h5::File& file = *opened;
    std::error_code ec;
    const auto file_bytes = std::filesystem::file_size(path, ec);
    std::string out =
        "file " + path + " (" + bytes(ec ? 0.0 : static_cast<double>(file_bytes)) + ")\n";

    const std::vector<std::string> datasets = file.list_datasets("/");
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> label_datasets;
    for (const std::string& name : datasets) {
        auto info = file.dataset_info(name);
        SLIPWAY_RETURN_IF_ERROR(info);
        std::string filters;
        for (const std::string& filter : info->filters)
            filters += (filters.empty() ? "" : "+") + filter;
        const double logical = static_cast<double>(h5::element_count(info->shape)) *
                               static_cast<double>(info->type.size);
        std::string stored = bytes(static_cast<double>(info->storage_bytes));
        if (info->storage_bytes > 0 && logical > 0) {
            char ratio[32];
            std::snprintf(ratio, sizeof(ratio), " (%.1fx)",
                          logical / static_cast<double>(info->storage_bytes));
            stored += ratio;
        }
        rows.push_back(
            {name, info->type.name, h5::shape_string(info->shape),
             info->chunk.empty() ? "contiguous" : "chunks " + h5::shape_string(info->chunk),
             filters.empty() ? "uncompressed" : filters, "stored " + stored});
        const std::string base = base_name(name);
        if (info->type.kind == h5::TypeInfo::Kind::kInteger && info->shape.size() == 1 &&
            (base == "y" || base == "labels")) {
            label_datasets.push_back(name);
        }
    }
    out += "datasets:\n";
    if (rows.empty()) out += "  (none)\n";
    std::vector<size_t> widths(6, 0);
    for (const auto& row : rows) {
        for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    }
    for (const auto& row : rows) {
        out += " ";
        for (size_t i = 0; i < row.size(); ++i) {
            out += (i == 0 ? " " : "  ") + (i + 1 < row.size() ? pad(row[i], widths[i]) : row[i]);
        }
        out += "\n";
    }

    out += "attributes on /:\n";
    const std::vector<std::string> names = file.attribute_names("/");
    if (names.empty()) out += "  (none)\n";
    size_t name_width = 0;
    for (const std::string& name : names) name_width = std::max(name_width, name.size());
    for (const std::string& name : names) {
        auto info = file.attribute_info("/", name);
        SLIPWAY_RETURN_IF_ERROR(info);
        auto value = attribute_value(file, name, *info);
        SLIPWAY_RETURN_IF_ERROR(value);
        out += "  " + pad(name, name_width) + "  " + info->type.name + " " +
               h5::shape_string(info->shape) + " = " + *value + "\n";
    }

    std::vector<std::string> class_names;
    if (file.has_attribute("/", "class_names")) {
        auto loaded = file.read_strings_attribute("/", "class_names");
        if (loaded) class_names = std::move(*loaded);
    }
    for (const std::string& name : label_datasets) {
        SLIPWAY_RETURN_IF_ERROR(describe_labels(file, name, class_names, out));
    }
    return out;
}

}  // namespace slipway
