// Times one training step of the CPU backend (accumulate_gradients + SGD) on the reference net
// 784-256-256-10 relu, and the bare cblas_sgemm calls of the same shapes, with one BLAS thread.
//
// usage: cpu_mlp_step [batch=128] [dropout=0] [seconds per trial=1]

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <vector>

#include "model/init.h"
#include "model/model.h"
#include "optim/optimizer.h"

namespace {

using Clock = std::chrono::steady_clock;

// Median over five trials of the seconds per call of `body`, each trial running whole calls
// for about `seconds`.
double seconds_per_call(const std::function<void()>& body, double seconds) {
    for (int i = 0; i < 10; ++i) body();  // warm caches, workspace and BLAS buffers
    std::vector<double> trials;
    for (int trial = 0; trial < 5; ++trial) {
        const auto start = Clock::now();
        int64_t calls = 0;
        double elapsed = 0;
        do {
            body();
            ++calls;
            elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        } while (elapsed < seconds / 5);
        trials.push_back(elapsed / static_cast<double>(calls));
    }
    std::sort(trials.begin(), trials.end());
    return trials[2];
}

void sgemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, const float* a,
           const float* b, float beta, float* c) {
    const int lda = ta == CblasNoTrans ? k : m;
    const int ldb = tb == CblasNoTrans ? n : k;
    cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, n);
}

}  // namespace

int main(int argc, char** argv) {
    const int batch = argc > 1 ? std::atoi(argv[1]) : 128;
    const double dropout = argc > 2 ? std::atof(argv[2]) : 0.0;
    const double seconds = argc > 3 ? std::atof(argv[3]) : 1.0;
    openblas_set_num_threads(1);

    slipway::MlpConfig config;
    config.inputs = 784;
    config.hidden = {256, 256};
    config.outputs = 10;
    config.activation = slipway::Activation::kRelu;
    config.dropout = dropout;
    const auto layout = slipway::parameter_layout(config);

    std::mt19937 rng(1);
    std::normal_distribution<float> normal;
    std::vector<float> x(static_cast<size_t>(batch) * config.inputs);
    for (float& v : x) v = normal(rng);
    std::vector<int32_t> labels(batch);
    std::vector<uint32_t> ids(batch);
    for (int i = 0; i < batch; ++i) {
        labels[i] = static_cast<int32_t>(rng() % config.outputs);
        ids[i] = static_cast<uint32_t>(i);
    }

    auto model = slipway::make_cpu_model(config);
    std::vector<float> params(model->parameter_count());
    slipway::init_mlp_parameters(config, 42, params);
    model->load_parameters(params);
    slipway::OptimizerSpec spec;  // SGD, momentum 0.9
    auto optimizer = slipway::make_cpu_optimizer(spec, 0.0, model->parameter_count());
    slipway::Batch data{x.data(), static_cast<size_t>(batch), labels.data(), nullptr,
                        ids.data()};
    // A tiny learning rate keeps the weights (and so the relu sparsity) near the start.
    auto step = [&] {
        model->zero_gradients();
        model->accumulate_gradients(data, 1.0f / static_cast<float>(batch), {7, 0});
        optimizer->step(model->parameters(), model->gradient_buffer(), 1e-6);
    };
    auto accumulate_only = [&] {
        model->accumulate_gradients(data, 1.0f / static_cast<float>(batch), {7, 0});
    };

    // The same GEMMs the model runs: forward X W^T, weight gradients dY^T X (beta 1), input
    // gradients dY W for all but the first layer.
    size_t widest = 0;
    double gemm_flops = 0;
    double weights = 0;
    for (size_t l = 0; l < layout.size(); ++l) {
        const double w = static_cast<double>(layout[l].in) * layout[l].out;
        weights += w;
        gemm_flops += 2 * w * batch * (l == 0 ? 2 : 3);
        widest = std::max<size_t>(widest, std::max(layout[l].in, layout[l].out));
    }
    std::vector<float> act_a(static_cast<size_t>(batch) * widest, 0.5f);
    std::vector<float> act_b(static_cast<size_t>(batch) * widest, 0.5f);
    std::vector<float> grads(model->parameter_count(), 0.0f);
    auto gemms = [&] {
        for (const auto& s : layout) {
            sgemm(CblasNoTrans, CblasTrans, batch, s.out, s.in, act_a.data(),
                  params.data() + s.weight_offset, 0.0f, act_b.data());
        }
        for (size_t l = layout.size(); l-- > 0;) {
            const auto& s = layout[l];
            sgemm(CblasTrans, CblasNoTrans, s.out, s.in, batch, act_b.data(), act_a.data(), 1.0f,
                  grads.data() + s.weight_offset);
            if (l > 0) {
                sgemm(CblasNoTrans, CblasNoTrans, batch, s.in, s.out, act_b.data(),
                      params.data() + s.weight_offset, 0.0f, act_a.data());
            }
        }
    };
    // A large square product: the machine's single-thread sgemm rate.
    const int n = 1024;
    std::vector<float> sa(n * n, 0.5f), sb(n * n, 0.25f), sc(n * n);
    auto square = [&] {
        sgemm(CblasNoTrans, CblasNoTrans, n, n, n, sa.data(), sb.data(), 0.0f, sc.data());
    };

    const double t_step = seconds_per_call(step, seconds);
    const double t_acc = seconds_per_call(accumulate_only, seconds);
    const double t_gemm = seconds_per_call(gemms, seconds);
    const double t_square = seconds_per_call(square, seconds);
    const double nominal = 6 * weights * batch;  // the usual 6 x weights x samples count

    std::printf("net 784-256-256-10 relu dropout=%g batch=%d, 1 BLAS thread (%s)\n", dropout,
                batch, openblas_get_config());
    std::printf("train step (accumulate + SGD):  %8.3f ms  %9.0f samples/s  %6.1f GFLOP/s "
                "(6*W*samples)  %6.1f GFLOP/s executed\n",
                t_step * 1e3, batch / t_step, nominal / t_step * 1e-9, gemm_flops / t_step * 1e-9);
    std::printf("accumulate_gradients only:      %8.3f ms  %9.0f samples/s  %6.1f GFLOP/s "
                "(6*W*samples)\n",
                t_acc * 1e3, batch / t_acc, nominal / t_acc * 1e-9);
    std::printf("bare sgemm, same shapes:        %8.3f ms                     %6.1f GFLOP/s\n",
                t_gemm * 1e3, gemm_flops / t_gemm * 1e-9);
    std::printf("sgemm %dx%dx%d:               %8.3f ms                     %6.1f GFLOP/s\n",
                n, n, n, t_square * 1e3, 2.0 * n * n * n / t_square * 1e-9);
    std::printf("step / same-shape sgemm: %.1f%% (6*W count), %.1f%% (executed flops); "
                "step / square sgemm: %.1f%% (6*W count)\n",
                100 * (nominal / t_step) / (gemm_flops / t_gemm),
                100 * t_gemm / t_step, 100 * (nominal / t_step) / (2.0 * n * n * n / t_square));
    return 0;
}
