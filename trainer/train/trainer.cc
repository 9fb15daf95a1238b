#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include <spdlog/spdlog.h>

#include "data/batch_plan.h"
#include "metrics/process_stats.h"
#include "model/init.h"
#include "optim/schedule.h"

namespace slipway {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string format_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "--:--";
    auto total = static_cast<long long>(seconds + 0.5);
    char text[32];
    if (total >= 3600) {
        std::snprintf(text, sizeof(text), "%lld:%02lld:%02lld", total / 3600, (total / 60) % 60,
                      total % 60);
    } else {
        std::snprintf(text, sizeof(text), "%02lld:%02lld", total / 60, total % 60);
    }
    return text;
}

constexpr size_t kEvalChunkRows = 2048;

}  // namespace

Trainer::Trainer(const JobSpec& spec, const Dataset& data, Communicator& comm, Model& model,
                 Optimizer& optimizer, MetricsLog& metrics, RunContext context)
    : spec_(spec),
      data_(data),
      comm_(comm),
      model_(model),
      optimizer_(optimizer),
      metrics_(metrics),
      context_(std::move(context)) {}

void Trainer::initialize_parameters() {
    std::vector<float> host(model_.parameter_count());
    if (comm_.rank() == 0) init_mlp_parameters(model_.config(), spec_.train.seed, host);
    comm_.broadcast(host.data(), host.size(), 0);
    model_.load_parameters(host);
}

void Trainer::gather_rows(const std::vector<uint32_t>& permutation, size_t begin, size_t end) {
    const Split& train = data_.train;
    const size_t rows = end - begin;
    const size_t features = train.features;
    batch_x_.resize(rows * features);
    batch_ids_.resize(rows);
    if (data_.is_classification()) {
        batch_labels_.resize(rows);
    } else {
        batch_targets_.resize(rows * train.target_width);
    }
    for (size_t row = 0; row < rows; ++row) {
        const uint32_t sample = permutation[begin + row];
        batch_ids_[row] = sample;
        std::memcpy(&batch_x_[row * features], &train.x[sample * features],
                    features * sizeof(float));
        if (data_.is_classification()) {
            batch_labels_[row] = train.labels[sample];
        } else {
            std::memcpy(&batch_targets_[row * train.target_width],
                        &train.targets[sample * train.target_width],
                        train.target_width * sizeof(float));
        }
    }
}

Trainer::EvalResult Trainer::evaluate_test() {
    const Split& test = data_.test;
    IndexRange mine = even_split(0, test.rows, comm_.size(), comm_.rank());
    double totals[3] = {0, 0, 0};  // loss_sum, correct, samples
    for (size_t begin = mine.begin; begin < mine.end; begin += kEvalChunkRows) {
        const size_t end = std::min(mine.end, begin + kEvalChunkRows);
        Batch batch;
        batch.x = &test.x[begin * test.features];
        batch.rows = end - begin;
        if (data_.is_classification()) {
            batch.labels = &test.labels[begin];
        } else {
            batch.targets = &test.targets[begin * test.target_width];
        }
        StepStats stats = model_.evaluate(batch);
        totals[0] += stats.loss_sum;
        totals[1] += stats.correct;
        totals[2] += stats.samples;
    }
    comm_.allreduce_sum(totals, 3);
    EvalResult result;
    result.samples = totals[2];
    if (totals[2] > 0) {
        result.loss = totals[0] / totals[2];
        result.accuracy = totals[1] / totals[2];
    }
    return result;
}

void Trainer::log_progress(int epoch, size_t step_in_epoch, size_t steps_per_epoch,
                           int64_t global_step, int64_t total_steps, double window_loss,
                           double lr, double samples_per_sec, double grad_norm,
                           double seconds_elapsed) {
    const double seconds_per_step = seconds_elapsed / static_cast<double>(global_step);
    const double eta = seconds_per_step * static_cast<double>(total_steps - global_step);
    spdlog::info("epoch {}/{} step {}/{} loss {:.4f} lr {:.4g} {:.0f} samples/s ETA {}",
                 epoch + 1, spec_.train.epochs, step_in_epoch, steps_per_epoch, window_loss, lr,
                 samples_per_sec, format_duration(eta));
    metrics_.write({{"type", "train"},
                    {"epoch", epoch + 1},
                    {"step", global_step},
                    {"loss", window_loss},
                    {"lr", lr},
                    {"grad_norm", grad_norm},
                    {"samples_per_sec", samples_per_sec},
                    {"elapsed_seconds", seconds_elapsed}});
}

nlohmann::json Trainer::run() {
    const auto wall_start = Clock::now();
    const TrainSpec& train = spec_.train;
    const size_t samples = data_.train.rows;
    BatchPlan plan(samples, static_cast<size_t>(train.global_batch), train.accumulate,
                   comm_.size());
    const int64_t steps_per_epoch = static_cast<int64_t>(plan.steps_per_epoch());
    int64_t total_steps = steps_per_epoch * train.epochs;
    if (train.max_steps > 0) total_steps = std::min(total_steps, train.max_steps);

    spdlog::info("training {} on {} rank(s): {} samples, global batch {} ({} x {}), {} steps "
                 "per epoch, {} steps",
                 model_signature(model_.config()), comm_.size(), samples, train.global_batch,
                 train.accumulate,
                 (train.global_batch + train.accumulate - 1) / train.accumulate, steps_per_epoch,
                 total_steps);

    const size_t buffer_size = model_.gradient_buffer_size();
    const size_t parameter_count = model_.parameter_count();
    double train_seconds = 0;     // time inside optimizer steps only
    double trained_samples = 0;
    double window_loss = 0, window_samples = 0, window_seconds = 0, window_trained = 0;
    double epoch_loss = 0, epoch_samples = 0, last_epoch_loss = NAN;
    double last_grad_norm = 0, last_lr = 0;
    EvalResult last_eval;
    int64_t global_step = 0;
    int epochs_done = 0;

    for (int epoch = 0; epoch < train.epochs && global_step < total_steps; ++epoch) {
        const auto permutation = epoch_permutation(train.seed, static_cast<uint64_t>(epoch), samples);
        const DropoutKey key{train.seed, static_cast<uint64_t>(epoch)};
        epoch_loss = 0;
        epoch_samples = 0;
        for (int64_t step = 0; step < steps_per_epoch && global_step < total_steps; ++step) {
            const auto step_start = Clock::now();
            const auto whole = plan.step_range(static_cast<size_t>(step));
            const float grad_scale = 1.0f / static_cast<float>(whole.size());
            model_.zero_gradients();
            for (int micro = 0; micro < plan.accumulate(); ++micro) {
                const auto slice = plan.rank_slice(static_cast<size_t>(step), micro, comm_.rank());
                if (slice.size() == 0) continue;
                gather_rows(permutation, slice.begin, slice.end);
                Batch batch;
                batch.x = batch_x_.data();
                batch.rows = slice.size();
                batch.labels = data_.is_classification() ? batch_labels_.data() : nullptr;
                batch.targets = data_.is_classification() ? nullptr : batch_targets_.data();
                batch.sample_ids = batch_ids_.data();
                model_.accumulate_gradients(batch, grad_scale, key);
            }
            model_.set_stop_vote(false);
            comm_.allreduce_sum(model_.gradient_buffer(), buffer_size);
            const StepStats stats = model_.read_step_stats();
            last_lr = scheduled_lr(train.schedule, train.optimizer.lr, global_step, total_steps);
            last_grad_norm =
                optimizer_.step(model_.parameters(), model_.gradient_buffer(), last_lr);
            ++global_step;

            const double step_seconds = seconds_since(step_start);
            train_seconds += step_seconds;
            trained_samples += stats.samples;
            window_loss += stats.loss_sum;
            window_samples += stats.samples;
            window_seconds += step_seconds;
            window_trained += stats.samples;
            epoch_loss += stats.loss_sum;
            epoch_samples += stats.samples;

            if (global_step % train.log_every == 0 || step + 1 == steps_per_epoch ||
                global_step == total_steps) {
                const double rate = window_seconds > 0 ? window_trained / window_seconds : 0;
                log_progress(epoch, static_cast<size_t>(step + 1),
                             static_cast<size_t>(steps_per_epoch), global_step, total_steps,
                             window_samples > 0 ? window_loss / window_samples : 0, last_lr, rate,
                             last_grad_norm, train_seconds);
                window_loss = window_samples = window_seconds = window_trained = 0;
            }
        }
        if (epoch_samples > 0) last_epoch_loss = epoch_loss / epoch_samples;
        ++epochs_done;

        last_eval = evaluate_test();
        if (data_.is_classification()) {
            spdlog::info("epoch {}/{} test loss {:.4f} accuracy {:.4f} ({} samples)", epoch + 1,
                         train.epochs, last_eval.loss, last_eval.accuracy, last_eval.samples);
        } else {
            spdlog::info("epoch {}/{} test loss {:.4f} ({} samples)", epoch + 1, train.epochs,
                         last_eval.loss, last_eval.samples);
        }
        nlohmann::json eval = {{"type", "eval"},
                               {"epoch", epoch + 1},
                               {"step", global_step},
                               {"train_loss", last_epoch_loss},
                               {"test_loss", last_eval.loss}};
        if (data_.is_classification()) eval["test_accuracy"] = last_eval.accuracy;
        metrics_.write(eval);
    }

    // Peak RSS of every rank: each fills its own slot, one allreduce gathers them.
    std::vector<double> rss(static_cast<size_t>(comm_.size()), 0.0);
    rss[static_cast<size_t>(comm_.rank())] = peak_rss_mb();
    comm_.allreduce_sum(rss.data(), rss.size());

    nlohmann::json summary = {
        {"type", "summary"},
        {"name", spec_.name},
        {"world_size", comm_.size()},
        {"epochs", epochs_done},
        {"steps", global_step},
        {"global_batch", train.global_batch},
        {"accumulate", train.accumulate},
        {"train_samples", trained_samples},
        {"train_seconds", train_seconds},
        {"train_samples_per_sec", train_seconds > 0 ? trained_samples / train_seconds : 0.0},
        {"wall_seconds", seconds_since(wall_start)},
        {"test_loss", last_eval.loss},
        {"final_train_loss", last_epoch_loss},
        {"final_lr", last_lr},
        {"peak_rss_mb", *std::max_element(rss.begin(), rss.end())},
        {"peak_rss_mb_per_rank", rss},
        {"blas", context_.blas},
        {"device", context_.device},
        {"threads_per_rank", context_.threads_per_rank},
        {"communicator", comm_.name()},
        {"model", model_signature(model_.config())},
        {"parameters", parameter_count},
    };
    summary["test_accuracy"] = data_.is_classification() ? nlohmann::json(last_eval.accuracy)
                                                         : nlohmann::json(nullptr);
    return summary;
}

}  // namespace slipway
