#pragma once

// Model export (docs/export.md): a checkpoint in, a new version in a Triton model
// repository out (model.onnx, slipway.json, the model's config.pbtxt). Needs nothing but the
// checkpoint: it holds the parameters, the spec text, the class names and normalisation.

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"
#include "spec/job_spec.h"

namespace slipway {

struct ExportRequest {
    std::string checkpoint;  // a checkpoint file, or a checkpoint folder (its newest valid one)
    std::string repository;  // the model repository's root folder (created if missing)
    std::string name;        // "": the spec's export.name, else the job's name
    std::optional<int> max_batch_size;  // nullopt: the spec's export.max_batch_size
    // The spec as the run saw it (--set overrides applied), for the recipe and the defaults;
    // null: the spec text stored in the checkpoint, which is the file as read, without the
    // run's --set overrides.
    const JobSpec* run_spec = nullptr;
};

struct ExportResult {
    std::string checkpoint;  // the file exported
    int64_t step = 0;
    std::string name;
    int64_t version = 0;
    std::string version_dir;  // <repository>/<name>/<version>
    std::string model_path;   // <version_dir>/model.onnx
};

// Errors: a bad or missing checkpoint and repository problems are kBadCheckpoint (exit 4);
// a bad name kBadSpec (exit 2); a graph that fails ONNX's checker kInternal (a bug).
Result<ExportResult> export_checkpoint(const ExportRequest& request);

// The export at the end of training (rank 0, after the final checkpoint): the newest
// checkpoint in the spec's checkpoint folder, into export.repository under export.name (or
// the job name), with export.max_batch_size, all from `spec` as the run saw it (--set
// overrides included). Logs what it wrote.
Result<ExportResult> export_after_training(const JobSpec& spec);

}  // namespace slipway
