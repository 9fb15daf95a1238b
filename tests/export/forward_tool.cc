// export_forward_tool: the trainer's side of tests/export/test_export_onnxruntime.py.
//
//   export_forward_tool CHECKPOINT DATA.h5 MODEL.onnx OUT_DIR
//
// Runs the /test rows of DATA.h5 through two forward passes of slipway's own CPU model and
// writes rows x outputs float32 (little-endian) files into OUT_DIR:
//   trainer.f32  the model of CHECKPOINT, inputs standardised by the trainer's standardize()
//                when the checkpoint says so: what the trainer's evaluation computes
//   reread.f32   the model read_exported_model() finds in MODEL.onnx, inputs standardised by
//                the graph's mean and divisor: what slipway-serve will compute
// Probabilities (softmax of the logits, in double) for a classifier, predictions for MSE.
// Also x.f32 (the raw /test features, what a client sends) and info.json: rows, features,
// outputs, and the trainer's own evaluation (loss, accuracy) of the rows.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "checkpoint/checkpoint.h"
#include "data/dataset.h"
#include "data/dataset_file.h"
#include "export/exported_model.h"
#include "model/model.h"

namespace {

using namespace slipway;

std::vector<float> forward(const MlpConfig& config, const std::vector<float>& parameters,
                           const std::vector<float>& x, size_t rows) {
    auto model = make_cpu_model(config);
    model->load_parameters(parameters);
    std::vector<float> out(rows * static_cast<size_t>(config.outputs));
    model->predict(x.data(), rows, out.data());
    if (config.loss != LossKind::kCrossEntropy) return out;
    const auto classes = static_cast<size_t>(config.outputs);
    for (size_t r = 0; r < rows; ++r) {
        float* row = &out[r * classes];
        double max = row[0];
        for (size_t j = 1; j < classes; ++j) max = std::max(max, static_cast<double>(row[j]));
        std::vector<double> e(classes);
        double sum = 0;
        for (size_t j = 0; j < classes; ++j) {
            e[j] = std::exp(row[j] - max);
            sum += e[j];
        }
        for (size_t j = 0; j < classes; ++j) row[j] = static_cast<float>(e[j] / sum);
    }
    return out;
}

void write_floats(const std::string& path, const std::vector<float>& values) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(values.data()),
              static_cast<std::streamsize>(values.size() * sizeof(float)));
}

int fail(const Error& error) {
    std::fprintf(stderr, "%s\n", error.message().c_str());
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: %s CHECKPOINT DATA.h5 MODEL.onnx OUT_DIR\n", argv[0]);
        return 2;
    }
    const std::string out_dir = argv[4];
    auto state = read_checkpoint(argv[1]);
    if (!state.ok()) return fail(state.error());
    auto data = read_dataset_file(argv[2]);
    if (!data.ok()) return fail(data.error());
    auto exported = read_exported_model(argv[3]);
    if (!exported.ok()) return fail(exported.error());

    const Split raw = data->test;
    write_floats(out_dir + "/x.f32", raw.x);
    Split trainer_view = raw;
    if (state->standardize) standardize(trainer_view, data->feature_mean, data->feature_std);
    write_floats(out_dir + "/trainer.f32",
                 forward(state->model, state->parameters, trainer_view.x, raw.rows));

    std::vector<float> serve_view = raw.x;
    if (exported->standardizes()) {
        for (size_t i = 0; i < serve_view.size(); ++i) {
            const size_t f = i % raw.features;
            serve_view[i] =
                (serve_view[i] - exported->feature_mean[f]) / exported->feature_divisor[f];
        }
    }
    write_floats(out_dir + "/reread.f32",
                 forward(exported->config, exported->parameters, serve_view, raw.rows));

    auto model = make_cpu_model(state->model);
    model->load_parameters(state->parameters);
    Batch batch;
    batch.x = trainer_view.x.data();
    batch.rows = raw.rows;
    batch.labels = data->is_classification() ? raw.labels.data() : nullptr;
    batch.targets = data->is_classification() ? nullptr : raw.targets.data();
    const StepStats stats = model->evaluate(batch);
    nlohmann::json info = {{"rows", raw.rows},
                           {"features", raw.features},
                           {"outputs", state->model.outputs},
                           {"classification", data->is_classification()},
                           {"loss", stats.loss_sum / stats.samples},
                           {"accuracy", stats.correct / stats.samples}};
    std::ofstream(out_dir + "/info.json") << info.dump() << "\n";
    return 0;
}
