#include "data/dataset_file.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "data/h5.h"

namespace slipway {

namespace {

// Rows per chunk: whole rows, at most 1024 of them and at most ~4 MiB, so a chunk fits the
// readers' buffers and a rank's row-range read decompresses little it does not need.
hsize_t chunk_rows(size_t rows, size_t row_bytes) {
    constexpr size_t kMaxChunkBytes = 4u << 20;
    const size_t by_bytes = std::max<size_t>(1, kMaxChunkBytes / std::max<size_t>(1, row_bytes));
    return std::max<size_t>(1, std::min({rows, size_t{1024}, by_bytes}));
}

// `shape_of` supplies the feature count and target width, so an empty test split that was
// never given them still gets [0, F] datasets.
void write_split(h5::File& file, const std::string& group, const Split& split,
                 const Split& shape_of) {
    const size_t features = shape_of.features;
    const size_t width = shape_of.target_width;
    h5::DatasetOptions options;
    options.deflate = 4;
    options.shuffle = true;
    options.chunk_rows = chunk_rows(split.rows, features * sizeof(float));
    file.write(group + "/x", split.x, {split.rows, features}, options);
    if (width == 0) {
        options.chunk_rows = chunk_rows(split.rows, sizeof(int32_t));
        file.write(group + "/y", split.labels, {split.rows}, options);
    } else {
        options.chunk_rows = chunk_rows(split.rows, width * sizeof(float));
        const h5::Shape shape = width == 1 ? h5::Shape{split.rows} : h5::Shape{split.rows, width};
        file.write(group + "/y", split.targets, shape, options);
    }
}

// Checks the in-memory dataset before anything touches the disk: a writer bug should not
// produce a file that every reader then rejects.
Status check_for_write(const std::string& path, const Dataset& dataset) {
    auto fail = [&](const std::string& what) { return data_error(path, "cannot write: " + what); };
    const Split* splits[] = {&dataset.train, &dataset.test};
    const char* names[] = {"train", "test"};
    if (dataset.train.features == 0) return fail("no features");
    for (int i = 0; i < 2; ++i) {
        const Split& s = *splits[i];
        const std::string name = names[i];
        if (s.rows == 0 && s.x.empty() && s.labels.empty() && s.targets.empty()) continue;
        if (s.features != dataset.train.features) return fail(name + " features differ from train");
        if (s.x.size() != s.rows * s.features) return fail(name + " x size disagrees with shape");
        if (dataset.is_classification()) {
            if (s.target_width != 0 || s.labels.size() != s.rows) {
                return fail(name + " labels do not match rows");
            }
        } else if (s.target_width == 0 || s.targets.size() != s.rows * s.target_width ||
                   s.target_width != dataset.train.target_width) {
            return fail(name + " targets do not match rows and target width");
        }
    }
    if (!dataset.class_names.empty() &&
        dataset.class_names.size() != static_cast<size_t>(dataset.num_classes)) {
        return fail("class_names has " + std::to_string(dataset.class_names.size()) +
                    " entries for " + std::to_string(dataset.num_classes) + " classes");
    }
    if (dataset.num_classes < 0) return fail("negative num_classes");
    return Status::success();
}

}  // namespace

Status write_dataset_file(const std::string& path, const Dataset& dataset) {
    SLIPWAY_RETURN_IF_ERROR(check_for_write(path, dataset));
    std::vector<float> mean = dataset.feature_mean;
    std::vector<float> stddev = dataset.feature_std;
    if (mean.size() != dataset.train.features || stddev.size() != dataset.train.features) {
        compute_feature_stats(dataset.train, mean, stddev);
    }
    // A missing output directory is a user mistake, not an HDF5 failure: say so plainly.
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty() && !std::filesystem::is_directory(parent, ec)) {
        return data_error(path, "cannot write: directory " + parent.string() + " does not exist");
    }
    const std::string temporary = path + ".tmp";
    try {
        h5::File file = h5::File::create(temporary);
        write_split(file, "/train", dataset.train, dataset.train);
        write_split(file, "/test", dataset.test, dataset.train);
        file.write_scalar_attribute<int32_t>("/", "num_classes", dataset.num_classes);
        if (!dataset.class_names.empty()) {
            file.write_strings_attribute("/", "class_names", dataset.class_names);
        }
        file.write_attribute("/", "feature_mean", mean);
        file.write_attribute("/", "feature_std", stddev);
        file.close();
        std::filesystem::rename(temporary, path);
    } catch (const std::exception& e) {
        std::error_code ignored;
        std::filesystem::remove(temporary, ignored);
        if (dynamic_cast<const std::filesystem::filesystem_error*>(&e)) {
            return data_error(path, std::string("cannot write: ") + e.what());
        }
        throw;
    }
    return Status::success();
}

namespace {

// A value for a message: "nan", "inf", "-inf" or "%g".
std::string value_text(float value) {
    if (std::isnan(value)) return "nan";
    if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
    char text[32];
    std::snprintf(text, sizeof(text), "%g", static_cast<double>(value));
    return text;
}

// feature_mean must be finite; feature_std finite and >= 0 (standardize divides by it).
Status check_feature_stats(const h5::File& file, const std::vector<float>& mean,
                           const std::vector<float>& stddev) {
    for (size_t f = 0; f < mean.size(); ++f) {
        if (!std::isfinite(mean[f])) {
            return file.error("/", "attribute feature_mean: entry " + std::to_string(f) + " is " +
                                       value_text(mean[f]) + ", not finite");
        }
    }
    for (size_t f = 0; f < stddev.size(); ++f) {
        if (!std::isfinite(stddev[f])) {
            return file.error("/", "attribute feature_std: entry " + std::to_string(f) + " is " +
                                       value_text(stddev[f]) + ", not finite");
        }
        if (stddev[f] < 0) {
            return file.error("/", "attribute feature_std: entry " + std::to_string(f) + " is " +
                                       value_text(stddev[f]) + ", negative");
        }
    }
    return Status::success();
}

Status read_split(const h5::File& file, const std::string& group, const Dataset& dataset,
                  Split& split) {
    auto x = file.read<float>(group + "/x", 2);
    SLIPWAY_RETURN_IF_ERROR(x);
    split.rows = x->shape[0];
    split.features = x->shape[1];
    split.x = std::move(x->values);
    const std::string y_name = group + "/y";
    if (dataset.is_classification()) {
        auto y = file.read<int32_t>(y_name, 1);
        SLIPWAY_RETURN_IF_ERROR(y);
        if (y->shape[0] != split.rows) {
            return file.error(y_name, "has " + std::to_string(y->shape[0]) + " rows but " + group +
                                          "/x has " + std::to_string(split.rows));
        }
        split.labels = std::move(y->values);
        split.target_width = 0;
        for (size_t i = 0; i < split.labels.size(); ++i) {
            const int32_t label = split.labels[i];
            if (label < 0 || label >= dataset.num_classes) {
                return file.error(y_name, "row " + std::to_string(i) + " has label " +
                                              std::to_string(label) + ", outside [0, " +
                                              std::to_string(dataset.num_classes) + ")");
            }
        }
    } else {
        auto info = file.dataset_info(y_name);
        SLIPWAY_RETURN_IF_ERROR(info);
        if (info->type.kind != h5::TypeInfo::Kind::kFloat) {
            return file.error(y_name,
                              "has dtype " + info->type.name +
                                  " but num_classes = 0 (regression) needs float targets",
                              "write num_classes > 0 for integer class labels");
        }
        auto y = file.read<float>(y_name);
        SLIPWAY_RETURN_IF_ERROR(y);
        if (y->shape.empty() || y->shape.size() > 2) {
            return file.error(
                y_name, "has shape " + h5::shape_string(y->shape) + ", expected [N] or [N, T]");
        }
        if (y->shape[0] != split.rows) {
            return file.error(y_name, "has " + std::to_string(y->shape[0]) + " rows but " + group +
                                          "/x has " + std::to_string(split.rows));
        }
        split.target_width = y->shape.size() == 1 ? 1 : y->shape[1];
        if (split.target_width == 0) return file.error(y_name, "has zero targets per row");
        split.targets = std::move(y->values);
        for (size_t i = 0; i < split.targets.size(); ++i) {
            if (!std::isfinite(split.targets[i])) {
                return file.error(y_name, "row " + std::to_string(i / split.target_width) +
                                              ", target " + std::to_string(i % split.target_width) +
                                              " is " + value_text(split.targets[i]) +
                                              ", not finite");
            }
        }
    }
    for (size_t i = 0; i < split.x.size(); ++i) {
        if (!std::isfinite(split.x[i])) {
            return file.error(group + "/x", "row " + std::to_string(i / split.features) +
                                                ", feature " + std::to_string(i % split.features) +
                                                " is " + value_text(split.x[i]) + ", not finite");
        }
    }
    return Status::success();
}

}  // namespace

Result<Dataset> read_dataset_file(const std::string& path) {
    auto opened = h5::File::open(path);
    SLIPWAY_RETURN_IF_ERROR(opened);
    const h5::File& file = *opened;
    Dataset dataset;

    auto num_classes = file.read_scalar_attribute<int32_t>("/", "num_classes");
    SLIPWAY_RETURN_IF_ERROR(num_classes);
    if (*num_classes < 0) return file.error("/", "num_classes is negative");
    dataset.num_classes = *num_classes;
    if (file.has_attribute("/", "class_names")) {
        auto names = file.read_strings_attribute("/", "class_names");
        SLIPWAY_RETURN_IF_ERROR(names);
        if (names->size() != static_cast<size_t>(dataset.num_classes)) {
            return file.error("/", "class_names has " + std::to_string(names->size()) +
                                       " entries but num_classes is " +
                                       std::to_string(dataset.num_classes));
        }
        dataset.class_names = std::move(*names);
    }

    SLIPWAY_RETURN_IF_ERROR(read_split(file, "/train", dataset, dataset.train));
    if (dataset.train.features == 0) return file.error("/train/x", "has no features");
    // A file without /test is usable (everything is training data).
    if (file.exists("/test")) {
        SLIPWAY_RETURN_IF_ERROR(read_split(file, "/test", dataset, dataset.test));
        if (dataset.test.features != dataset.train.features) {
            return file.error("/test/x", "has " + std::to_string(dataset.test.features) +
                                             " features but /train/x has " +
                                             std::to_string(dataset.train.features));
        }
        if (!dataset.is_classification() &&
            dataset.test.target_width != dataset.train.target_width) {
            return file.error("/test/y", "has " + std::to_string(dataset.test.target_width) +
                                             " targets per row but /train/y has " +
                                             std::to_string(dataset.train.target_width));
        }
    } else {
        dataset.test.features = dataset.train.features;
        dataset.test.target_width = dataset.train.target_width;
    }

    const bool has_mean = file.has_attribute("/", "feature_mean");
    const bool has_std = file.has_attribute("/", "feature_std");
    if (has_mean && has_std) {
        auto mean = file.read_attribute<float>("/", "feature_mean");
        SLIPWAY_RETURN_IF_ERROR(mean);
        auto stddev = file.read_attribute<float>("/", "feature_std");
        SLIPWAY_RETURN_IF_ERROR(stddev);
        for (const auto* values : {&*mean, &*stddev}) {
            if (values->size() != dataset.train.features) {
                return file.error(
                    "/", std::string(values == &*mean ? "feature_mean" : "feature_std") + " has " +
                             std::to_string(values->size()) + " entries for " +
                             std::to_string(dataset.train.features) + " features");
            }
        }
        SLIPWAY_RETURN_IF_ERROR(check_feature_stats(file, *mean, *stddev));
        dataset.feature_mean = std::move(*mean);
        dataset.feature_std = std::move(*stddev);
    } else {
        // Files written by other tools may lack the statistics; they are cheap to recompute.
        compute_feature_stats(dataset.train, dataset.feature_mean, dataset.feature_std);
    }
    return dataset;
}

}  // namespace slipway
