#include "export/recipe_hash.h"

#include <cstdint>
#include <cstdio>

namespace slipway {

nlohmann::json recipe_json(const JobSpec& spec) {
    const ModelSpec& model = spec.model;
    const TrainSpec& train = spec.train;
    const OptimizerSpec& optimizer = train.optimizer;
    const ScheduleSpec& schedule = train.schedule;
    return {
        {"data", {{"path", spec.data.path}, {"standardize", spec.data.standardize}}},
        {"model",
         {{"hidden", model.hidden},
          {"activation", to_string(model.activation)},
          {"dropout", model.dropout},
          {"loss", to_string(model.loss)},
          {"init", to_string(model.init)}}},
        {"train",
         {{"epochs", train.epochs},
          {"global_batch", train.global_batch},
          {"accumulate", train.accumulate},
          {"seed", train.seed},
          {"max_steps", train.max_steps},
          {"clip_grad_norm", train.clip_grad_norm},
          {"optimizer",
           {{"name", to_string(optimizer.kind)},
            {"lr", optimizer.lr},
            {"momentum", optimizer.momentum},
            {"nesterov", optimizer.nesterov},
            {"weight_decay", optimizer.weight_decay},
            {"beta1", optimizer.beta1},
            {"beta2", optimizer.beta2},
            {"eps", optimizer.eps}}},
          {"schedule",
           {{"name", to_string(schedule.kind)},
            {"warmup_steps", schedule.warmup_steps},
            {"step_size", schedule.step_size},
            {"gamma", schedule.gamma},
            {"min_lr", schedule.min_lr}}}}},
    };
}

std::string recipe_hash(const JobSpec& spec) {
    uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a offset basis
    for (const char c : recipe_json(spec).dump()) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;  // FNV prime
    }
    char text[32];
    std::snprintf(text, sizeof(text), "fnv1a64:%016llx", static_cast<unsigned long long>(hash));
    return text;
}

}  // namespace slipway
