#include "tracking/scalar_series.h"

#include <cmath>

namespace slipway::tracking {
namespace {

Scalars finite_only(Scalars values) {
    Scalars kept;
    for (auto& entry : values) {
        if (std::isfinite(entry.second)) kept.push_back(std::move(entry));
    }
    return kept;
}

}  // namespace

Scalars train_scalars(const TrainRecord& record) {
    return finite_only({{"train/loss", record.loss},
                        {"train/accuracy", record.accuracy},
                        {"train/learning_rate", record.lr},
                        {"train/samples_per_sec", record.samples_per_sec},
                        {"train/grad_norm", record.grad_norm}});
}

Scalars eval_scalars(const EvalRecord& record) {
    return finite_only({{"test/loss", record.test_loss},
                        {"test/accuracy", record.test_accuracy},
                        {"train/epoch_loss", record.train_loss}});
}

}  // namespace slipway::tracking
