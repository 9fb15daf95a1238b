#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include <spdlog/spdlog.h>

#include "checkpoint/checkpoint.h"
#include "common/stop_signal.h"
#include "common/system_error.h"
#include "data/batch_plan.h"
#include "export/export.h"
#include "metrics/process_stats.h"
#include "model/init.h"
#include "optim/schedule.h"
#include "train/checkpointing.h"

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

nlohmann::json number_or_null(double value) {
    return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

constexpr size_t kEvalChunkRows = 2048;

}  // namespace

Trainer::Trainer(const JobSpec& spec, const Dataset& data, Communicator& comm, Model& model,
                 Optimizer& optimizer, TrainingObserver& observer, RunContext context)
    : spec_(spec),
      data_(data),
      comm_(comm),
      model_(model),
      optimizer_(optimizer),
      observer_(observer),
      context_(std::move(context)) {}

void Trainer::initialize_parameters() {
    std::vector<float> host(model_.parameter_count());
    if (comm_.rank() == 0) init_mlp_parameters(model_.config(), spec_.train.seed, host);
    comm_.broadcast(host.data(), host.size(), 0);
    model_.load_parameters(host);
}

void Trainer::resume_at(const TrainingPosition& position, const Evaluation& last_evaluation) {
    position_ = position;
    last_eval_ = last_evaluation;
}

void Trainer::gather_rows(const std::vector<uint32_t>& permutation, size_t begin, size_t end) {
    const Split& train = data_.train;
    const size_t rows = end - begin;
    const size_t features = train.features;
    const size_t width = train.target_width;
    batch_x_.resize(rows * features);
    batch_ids_.resize(rows);
    if (data_.is_classification()) {
        batch_labels_.resize(rows);
    } else {
        batch_targets_.resize(rows * width);
    }
    for (size_t row = 0; row < rows; ++row) {
        const size_t sample = permutation[begin + row];
        batch_ids_[row] = static_cast<uint32_t>(sample);
        std::memcpy(&batch_x_[row * features], &train.x[sample * features],
                    features * sizeof(float));
        if (data_.is_classification()) {
            batch_labels_[row] = train.labels[sample];
        } else {
            std::memcpy(&batch_targets_[row * width], &train.targets[sample * width],
                        width * sizeof(float));
        }
    }
}

StepStats Trainer::train_step(const std::vector<uint32_t>& permutation, int64_t step_in_epoch,
                              const BatchPlan& plan, double lr) {
    const auto step = static_cast<size_t>(step_in_epoch);
    const float grad_scale = 1.0f / static_cast<float>(plan.step_range(step).size());
    const DropoutKey key{spec_.train.seed, static_cast<uint64_t>(position_.epoch)};
    model_.zero_gradients();
    for (int micro = 0; micro < plan.accumulate(); ++micro) {
        const IndexRange slice = plan.rank_slice(step, micro, comm_.rank());
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
    // The stop vote rides in the gradient buffer: no extra round trip per step.
    model_.set_stop_vote(stop_requested());
    comm_.allreduce_sum(model_.gradient_buffer(), model_.gradient_buffer_size());
    const StepStats stats = model_.read_step_stats();
    last_grad_norm_ = optimizer_.step(model_.parameters(), model_.gradient_buffer(), lr);
    return stats;
}

Evaluation Trainer::evaluate_test(int64_t epochs_done) {
    const Split& test = data_.test;
    if (test.rows == 0) {  // every rank holds the same file, so all skip together
        return Evaluation{epochs_done, NAN, NAN};
    }
    const IndexRange mine = even_split(0, test.rows, comm_.size(), comm_.rank());
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
        const StepStats stats = model_.evaluate(batch);
        totals[0] += stats.loss_sum;
        totals[1] += stats.correct;
        totals[2] += stats.samples;
    }
    comm_.allreduce_sum(totals, 3);
    Evaluation result;
    result.epoch = epochs_done;
    if (totals[2] > 0) {
        result.loss = totals[0] / totals[2];
        if (data_.is_classification()) result.accuracy = totals[1] / totals[2];
    }
    const std::string progress = "epoch " + std::to_string(epochs_done) + "/" +
                                 std::to_string(spec_.train.epochs);
    if (data_.is_classification()) {
        spdlog::info("{} test loss {:.4f} accuracy {:.4f} ({} samples)", progress, result.loss,
                     result.accuracy, totals[2]);
    } else {
        spdlog::info("{} test loss {:.4f} ({} samples)", progress, result.loss, totals[2]);
    }
    return result;
}

void Trainer::log_progress(int64_t step_in_epoch, int64_t steps_per_epoch, int64_t total_steps,
                           const Window& window, double lr, double grad_norm) {
    const double rate = window.seconds > 0 ? window.samples / window.seconds : 0;
    const double loss = window.samples > 0 ? window.loss / window.samples : 0;
    const double eta = train_seconds_ / static_cast<double>(std::max<int64_t>(1, step_count_)) *
                       static_cast<double>(total_steps - position_.step);
    spdlog::info("epoch {}/{} step {}/{} loss {:.4f} lr {:.4g} {:.0f} samples/s ETA {}",
                 position_.epoch + 1, spec_.train.epochs, step_in_epoch, steps_per_epoch, loss,
                 lr, rate, format_duration(eta));
    const double accuracy =
        data_.is_classification() && window.samples > 0 ? window.correct / window.samples : NAN;
    observer_.on_train({position_.epoch + 1, position_.step, loss, accuracy, lr, grad_norm, rate,
                        train_seconds_});
}

bool Trainer::save_checkpoint(const char* reason) {
    if (comm_.rank() != 0) return true;  // parameters are identical on every rank
    const auto start = Clock::now();
    CheckpointState state =
        snapshot(spec_, data_, model_, optimizer_, position_, last_eval_, comm_.size());
    auto written = write_checkpoint(spec_.checkpoint_dir(), state, spec_.checkpoint.keep);
    if (!written.ok()) {
        spdlog::error("{} checkpoint at step {} failed: {}", reason, position_.step,
                      written.error().message());
        return false;
    }
    spdlog::info("{} checkpoint at step {}: {} ({:.0f} ms)", reason, position_.step, *written,
                 seconds_since(start) * 1e3);
    observer_.on_checkpoint({reason, position_.step, *written});
    return true;
}

TrainingOutcome Trainer::run() {
    const TrainSpec& train = spec_.train;
    const size_t samples = data_.train.rows;
    const BatchPlan plan(samples, static_cast<size_t>(train.global_batch), train.accumulate,
                         comm_.size());
    const auto steps_per_epoch = static_cast<int64_t>(plan.steps_per_epoch());
    int64_t total_steps = steps_per_epoch * train.epochs;
    if (train.max_steps > 0) total_steps = std::min(total_steps, train.max_steps);

    if (data_.test.rows == 0) spdlog::warn("{} has no /test rows: no evaluation", spec_.data.path);
    spdlog::info("training {} on {} rank(s): {} samples, global batch {} in {} micro-batch(es), "
                 "{} steps per epoch, steps {}..{}",
                 model_signature(model_.config()), comm_.size(), samples, train.global_batch,
                 train.accumulate, steps_per_epoch, position_.step + 1, total_steps);
    if (position_.step >= total_steps) {
        spdlog::info("nothing to do: the checkpoint is at step {} of {}", position_.step,
                     total_steps);
    }

    const int64_t first_step = position_.step;
    double trained_samples = 0, epoch_loss = 0, epoch_samples = 0, final_train_loss = NAN;
    double lr = 0;
    Window window;
    bool stopped = false;
    // A checkpoint taken at an epoch boundary carries that epoch's evaluation.
    int64_t evaluated_at = position_.step > 0 && position_.position == 0 &&
                                   last_eval_.epoch == position_.epoch
                               ? position_.step
                               : -1;
    while (!stopped && position_.step < total_steps && position_.epoch < train.epochs) {
        const auto epoch = static_cast<uint64_t>(position_.epoch);
        const auto permutation = epoch_permutation(train.seed, epoch, samples);
        epoch_loss = epoch_samples = 0;
        for (int64_t s = position_.position / train.global_batch;
             s < steps_per_epoch && position_.step < total_steps; ++s) {
            const auto start = Clock::now();
            lr = scheduled_lr(train.schedule, train.optimizer.lr, position_.step, total_steps);
            StepStats stats;
            try {
                stats = train_step(permutation, s, plan, lr);
            } catch (const PeerFailure& failure) {
                spdlog::error("step {} (epoch {}) could not complete: a peer failed",
                              position_.step + 1, position_.epoch + 1);
                // What this rank reports to the others names the step too.
                throw failure.with_context(fmt::format("at step {} (epoch {})",
                                                       position_.step + 1, position_.epoch + 1));
            }
            const double seconds = seconds_since(start);
            ++position_.step;
            ++step_count_;
            position_.position = std::min<int64_t>((s + 1) * train.global_batch,
                                                   static_cast<int64_t>(samples));
            if (!std::isfinite(stats.loss_sum) && !warned_non_finite_) {
                spdlog::warn("training loss is {} at step {}: training diverged (lower "
                             "train.optimizer.lr, or set train.clip_grad_norm)",
                             stats.loss_sum, position_.step);
                warned_non_finite_ = true;
            }
            train_seconds_ += seconds;
            trained_samples += stats.samples;
            epoch_loss += stats.loss_sum;
            epoch_samples += stats.samples;
            window.loss += stats.loss_sum;
            window.correct += stats.correct;
            window.samples += stats.samples;
            window.seconds += seconds;

            const bool end_of_epoch = s + 1 == steps_per_epoch;
            if (position_.step % train.log_every == 0 || end_of_epoch ||
                position_.step == total_steps) {
                log_progress(s + 1, steps_per_epoch, total_steps, window, lr, last_grad_norm_);
                window = Window{};
            }
            if (end_of_epoch) {
                final_train_loss = epoch_loss / epoch_samples;
                ++position_.epoch;
                position_.position = 0;
                last_eval_ = evaluate_test(position_.epoch);
                evaluated_at = position_.step;
                observer_.on_eval({position_.epoch, position_.step, final_train_loss,
                                   last_eval_.loss, last_eval_.accuracy});
            }
            if (stats.stop_votes > 0) {
                spdlog::warn("stop requested (signal {} on {} rank(s)): stopping after step {}",
                             stop_signal(), stats.stop_votes, position_.step);
                stopped = true;
                break;
            }
            if (spec_.checkpoint.every_steps > 0 &&
                position_.step % spec_.checkpoint.every_steps == 0 &&
                position_.step < total_steps) {
                save_checkpoint("periodic");
            }
        }
    }
    if (epoch_samples > 0 && !std::isfinite(final_train_loss)) {
        final_train_loss = epoch_loss / epoch_samples;  // stopped inside the first epoch
    }
    if (!stopped && evaluated_at != position_.step) {
        last_eval_ = evaluate_test(position_.epoch);  // max_steps ended mid-epoch
    }

    TrainingOutcome outcome;
    outcome.stopped = stopped;
    outcome.checkpoint_failed = !save_checkpoint(stopped ? "preemption" : "final");
    outcome.summary = summary(trained_samples, final_train_loss, lr);
    outcome.summary["stopped"] = stopped;
    outcome.summary["resumed_from_step"] = first_step;
    if (!stopped && !outcome.checkpoint_failed && comm_.rank() == 0 &&
        !spec_.model_export.repository.empty()) {
        // The final checkpoint becomes a model version; a failure is exit 4, as a failed
        // checkpoint is ("bad checkpoint or model repository").
        auto exported = export_after_training(spec_);
        if (exported.ok()) {
            outcome.summary["export"] = {{"name", exported->name},
                                         {"version", exported->version},
                                         {"model", exported->model_path}};
        } else {
            spdlog::error("export failed: {}", exported.error().message());
            outcome.checkpoint_failed = true;
        }
    }
    return outcome;
}

nlohmann::json Trainer::summary(double trained_samples, double final_train_loss, double lr) {
    // Peak RSS of every rank: each fills its own slot, one allreduce gathers them.
    std::vector<double> rss(static_cast<size_t>(comm_.size()), 0.0);
    rss[static_cast<size_t>(comm_.rank())] = peak_rss_mb();
    comm_.allreduce_sum(rss.data(), rss.size());
    return {
        {"type", "summary"},
        {"name", spec_.name},
        {"world_size", comm_.size()},
        {"epochs", position_.epoch},
        {"steps", position_.step},
        {"global_batch", spec_.train.global_batch},
        {"accumulate", spec_.train.accumulate},
        {"train_samples", trained_samples},
        {"train_seconds", train_seconds_},
        {"train_samples_per_sec", train_seconds_ > 0 ? trained_samples / train_seconds_ : 0.0},
        {"test_loss", number_or_null(last_eval_.loss)},
        {"test_accuracy", number_or_null(last_eval_.accuracy)},
        {"final_train_loss", number_or_null(final_train_loss)},
        {"final_lr", lr},
        {"peak_rss_mb", *std::max_element(rss.begin(), rss.end())},
        {"peak_rss_mb_per_rank", rss},
        {"blas", context_.blas},
        {"device", context_.device},
        {"threads_per_rank", context_.threads_per_rank},
        {"communicator", comm_.name()},
        {"model", model_signature(model_.config())},
        {"parameters", model_.parameter_count()},
        {"checkpoint_dir", spec_.checkpoint_dir()},
    };
}

}  // namespace slipway
