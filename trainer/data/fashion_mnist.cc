#include "data/fashion_mnist.h"

#include <filesystem>

#include "data/idx.h"

namespace slipway {

namespace {

constexpr int kClasses = 10;
constexpr size_t kSide = 28;

const std::vector<std::string>& class_names() {
    static const std::vector<std::string> names = {
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
    return names;
}

Status read_split(const std::string& dir, const std::string& prefix, Split& split) {
    const std::string images_path = dir + "/" + prefix + "-images-idx3-ubyte.gz";
    const std::string labels_path = dir + "/" + prefix + "-labels-idx1-ubyte.gz";
    const std::string hint =
        "put Fashion-MNIST's four *-ubyte.gz files in " + dir + " or pass --source DIR";
    for (const std::string& path : {images_path, labels_path}) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) return data_error(path, "file not found", hint);
    }
    auto images = read_idx_images(images_path);
    SLIPWAY_RETURN_IF_ERROR(images);
    if (images->rows != kSide || images->cols != kSide) {
        return data_error(images_path, "images are " + std::to_string(images->rows) + "x" +
                                           std::to_string(images->cols) +
                                           " pixels, Fashion-MNIST's are 28x28");
    }
    auto labels = read_idx_labels(labels_path);
    SLIPWAY_RETURN_IF_ERROR(labels);
    if (labels->size() != images->count) {
        return data_error(labels_path, "has " + std::to_string(labels->size()) + " labels but " +
                                           images_path + " has " + std::to_string(images->count) +
                                           " images");
    }
    split.rows = images->count;
    split.features = kSide * kSide;
    split.target_width = 0;
    split.labels.resize(split.rows);
    for (size_t i = 0; i < split.rows; ++i) {
        const uint8_t label = (*labels)[i];
        if (label >= kClasses) {
            return data_error(labels_path, "label " + std::to_string(label) + " at index " +
                                               std::to_string(i) + " is outside [0, 10)");
        }
        split.labels[i] = label;
    }
    split.x.resize(images->pixels.size());
    for (size_t i = 0; i < split.x.size(); ++i) split.x[i] = images->pixels[i] / 255.0f;
    return Status::success();
}

}  // namespace

Result<Dataset> read_fashion_mnist(const std::string& dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        return data_error(dir, "directory not found",
                          "pass --source DIR with Fashion-MNIST's four *-ubyte.gz files");
    }
    Dataset dataset;
    SLIPWAY_RETURN_IF_ERROR(read_split(dir, "train", dataset.train));
    SLIPWAY_RETURN_IF_ERROR(read_split(dir, "t10k", dataset.test));
    dataset.num_classes = kClasses;
    dataset.class_names = class_names();
    compute_feature_stats(dataset.train, dataset.feature_mean, dataset.feature_std);
    return dataset;
}

}  // namespace slipway
