// The machine's limit for one data-parallel rank of the reference net 784-256-256-10: times
// OpenBLAS cblas_sgemm at exactly the GEMM shapes one training step runs at a per-rank batch
// (forward X W^T, weight gradients dY^T X, input gradients dY W for every layer but the
// first), one BLAS thread, and prints GFLOP/s counting 2*M*N*K per GEMM.
//
// Run one copy per rank at the same time (bench/cpu_benchmark.py starts two with mpirun) to
// get what two ranks sharing the machine can do; --start-at lines the copies up.
//
// usage: sgemm_limit [--batch 128] [--seconds 3] [--start-at UNIX_SECONDS] [--square 0|1]
// The last line is `RESULT {json}` for scripts.

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Gemm {
    const char* name;
    CBLAS_TRANSPOSE ta, tb;
    int m, n, k;
    float beta;
};

// Median over `trials` trials of the seconds per call of `body`; each trial runs whole calls
// for about seconds / trials.
double seconds_per_call(const std::function<void()>& body, double seconds, int trials = 5) {
    for (int i = 0; i < 5; ++i) body();  // warm caches and OpenBLAS buffers
    std::vector<double> t;
    for (int trial = 0; trial < trials; ++trial) {
        const auto start = Clock::now();
        int64_t calls = 0;
        double elapsed = 0;
        do {
            body();
            ++calls;
            elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        } while (elapsed < seconds / trials);
        t.push_back(elapsed / static_cast<double>(calls));
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

void run_gemm(const Gemm& g, const float* a, const float* b, float* c) {
    const int lda = g.ta == CblasNoTrans ? g.k : g.m;
    const int ldb = g.tb == CblasNoTrans ? g.n : g.k;
    cblas_sgemm(CblasRowMajor, g.ta, g.tb, g.m, g.n, g.k, 1.0f, a, lda, b, ldb, g.beta, c, g.n);
}

}  // namespace

int main(int argc, char** argv) {
    int batch = 128;
    double seconds = 3.0;
    double start_at = 0;
    bool square = true;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "sgemm_limit: %s needs a value\n", arg.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (arg == "--batch") batch = std::atoi(value());
        else if (arg == "--seconds") seconds = std::atof(value());
        else if (arg == "--start-at") start_at = std::atof(value());
        else if (arg == "--square") square = std::atoi(value()) != 0;
        else {
            std::fprintf(stderr,
                         "usage: sgemm_limit [--batch 128] [--seconds 3] [--start-at UNIX_SECONDS] "
                         "[--square 0|1]\n");
            return 2;
        }
    }
    openblas_set_num_threads(1);
    const char* rank_env = std::getenv("OMPI_COMM_WORLD_RANK");
    const int rank = rank_env ? std::atoi(rank_env) : 0;

    // Layers (in, out) of 784-256-256-10; weights W[out x in] row-major as slipway stores them.
    const int layers[3][2] = {{784, 256}, {256, 256}, {256, 10}};
    std::vector<Gemm> gemms;
    static char names[16][48];
    int named = 0;
    for (int l = 0; l < 3; ++l) {  // forward
        std::snprintf(names[named], sizeof names[0], "fwd  L%d X.W^T", l + 1);
        gemms.push_back({names[named++], CblasNoTrans, CblasTrans, batch, layers[l][1],
                         layers[l][0], 0.0f});
    }
    for (int l = 2; l >= 0; --l) {  // backward, last layer first
        std::snprintf(names[named], sizeof names[0], "bwd  L%d dW=dY^T.X", l + 1);
        gemms.push_back({names[named++], CblasTrans, CblasNoTrans, layers[l][1], layers[l][0],
                         batch, 1.0f});
        if (l > 0) {
            std::snprintf(names[named], sizeof names[0], "bwd  L%d dX=dY.W", l + 1);
            gemms.push_back({names[named++], CblasNoTrans, CblasNoTrans, batch, layers[l][0],
                             layers[l][1], 0.0f});
        }
    }
    // Separate operand buffers per GEMM (as the model has), filled with small values.
    std::vector<std::vector<float>> as, bs, cs;
    for (const auto& g : gemms) {
        as.emplace_back(static_cast<size_t>(g.m) * g.k, 0.01f);
        bs.emplace_back(static_cast<size_t>(g.k) * g.n, 0.02f);
        cs.emplace_back(static_cast<size_t>(g.m) * g.n, 0.0f);
    }

    if (start_at > 0) {  // line up with the other copies
        const auto target = std::chrono::system_clock::time_point(
            std::chrono::duration_cast<std::chrono::system_clock::duration>(
                std::chrono::duration<double>(start_at)));
        std::this_thread::sleep_until(target);
    }

    // The whole step's GEMM sequence first (the number that matters), then each shape.
    double step_flops = 0;
    for (const auto& g : gemms) step_flops += 2.0 * g.m * g.n * g.k;
    const double t_step = seconds_per_call(
        [&] {
            for (size_t i = 0; i < gemms.size(); ++i)
                run_gemm(gemms[i], as[i].data(), bs[i].data(), cs[i].data());
        },
        seconds * 0.6);
    std::vector<double> t_each;
    for (size_t i = 0; i < gemms.size(); ++i) {
        t_each.push_back(seconds_per_call(
            [&] { run_gemm(gemms[i], as[i].data(), bs[i].data(), cs[i].data()); },
            seconds * 0.3 / static_cast<double>(gemms.size())));
    }
    double t_square = 0;
    const int n = 1024;
    if (square) {
        std::vector<float> sa(static_cast<size_t>(n) * n, 0.01f), sb(sa.size(), 0.02f),
            sc(sa.size());
        const Gemm g{"square", CblasNoTrans, CblasNoTrans, n, n, n, 0.0f};
        t_square = seconds_per_call([&] { run_gemm(g, sa.data(), sb.data(), sc.data()); },
                                    seconds * 0.1, 3);
    }

    std::printf("[sgemm_limit rank %d] batch %d, 1 thread, %s\n", rank, batch,
                openblas_get_config());
    for (size_t i = 0; i < gemms.size(); ++i) {
        const auto& g = gemms[i];
        const double flops = 2.0 * g.m * g.n * g.k;
        std::printf("[sgemm_limit rank %d]   %-20s M=%-4d N=%-4d K=%-4d %8.1f us %7.1f GFLOP/s\n",
                    rank, g.name, g.m, g.n, g.k, t_each[i] * 1e6, flops / t_each[i] * 1e-9);
    }
    std::printf("[sgemm_limit rank %d]   step sequence (%zu GEMMs)      %8.1f us %7.1f GFLOP/s\n",
                rank, gemms.size(), t_step * 1e6, step_flops / t_step * 1e-9);
    if (square) {
        std::printf("[sgemm_limit rank %d]   square %dx%dx%d          %8.1f us %7.1f GFLOP/s\n",
                    rank, n, n, n, t_square * 1e6, 2.0 * n * n * n / t_square * 1e-9);
    }
    std::printf("RESULT {\"rank\": %d, \"batch\": %d, \"step_gemm_flops\": %.0f, "
                "\"step_gemm_seconds\": %.9g, \"step_gflops\": %.4f, \"square_gflops\": %.4f, "
                "\"shapes\": [",
                rank, batch, step_flops, t_step, step_flops / t_step * 1e-9,
                square ? 2.0 * n * n * n / t_square * 1e-9 : 0.0);
    for (size_t i = 0; i < gemms.size(); ++i) {
        const auto& g = gemms[i];
        std::printf("%s{\"name\": \"%s\", \"m\": %d, \"n\": %d, \"k\": %d, \"gflops\": %.4f}",
                    i ? ", " : "", g.name, g.m, g.n, g.k, 2.0 * g.m * g.n * g.k / t_each[i] * 1e-9);
    }
    std::printf("]}\n");
    return 0;
}
