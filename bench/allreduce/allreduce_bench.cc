// Allreduce bandwidth, nccl-tests style (size count type redop time algbw busbw), for slipway's
// communicators and the raw libraries they wrap. float32, sum, in place, one buffer of the
// largest size allocated (and touched) once and reused for every size. Not a test.
//
//   mpirun -np 2 allreduce_bench --backend raw-mpi|slipway-mpi
//     (diagnosis: raw-mpi-iallreduce-wait, raw-mpi-iallreduce-yield: slipway's MPI call pattern
//     without slipway)
//   RANK=r WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=p allreduce_bench --backend slipway-gloo
//   RANK=r WORLD_SIZE=2 allreduce_bench --backend raw-gloo --file-store DIR   (DIR shared, empty)
//
// Timing: before every timed iteration all ranks pass the backend's barrier; each rank times
// its own call; an iteration's time is the largest over the ranks (the op is done when every
// rank has its result); the reported time is the median over the timed iterations.
// algbw = bytes / time, busbw = algbw * 2(n-1)/n, GB = 1e9 bytes (as nccl-tests).
// bench/allreduce/run_allreduce_benchmark.sh runs every backend; docs/benchmarks-allreduce.md.
//
// Diagnosis only: --compute-us US replaces the barrier by US of busy work (a training step's
// shape: compute, then the allreduce), --sleep sleeps those US instead, --worker-thread makes
// every call on a dedicated thread (as torch's ProcessGroupGloo does).

#include <mpi.h>
#include <sched.h>

#include <gloo/allreduce.h>
#include <gloo/barrier.h>
#include <gloo/math.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/file_store.h>
#include <gloo/transport/tcp/device.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "comm/communicator.h"
#include "comm/rank_discovery.h"

namespace {

using Clock = std::chrono::steady_clock;

// What the timing loop needs from a backend.
class Backend {
public:
    virtual ~Backend() = default;
    virtual int rank() const = 0;
    virtual int size() const = 0;
    virtual void barrier() = 0;
    virtual void allreduce(float* data, size_t count) = 0;
    // In-place elementwise sum of doubles (used outside the timed region only).
    virtual void sum(double* data, size_t count) = 0;
    virtual std::string describe() const = 0;
};

// How raw-mpi completes its allreduce: the blocking call (the reference), or for diagnosis the
// non-blocking one slipway uses, finished by MPI_Wait or by MPI_Test polled with sched_yield
// (slipway's loop, without its deadline).
enum class MpiMode { kBlocking, kNonBlockingWait, kNonBlockingYield };

class RawMpi final : public Backend {
public:
    explicit RawMpi(MpiMode mode) : mode_(mode) {
        MPI_Init(nullptr, nullptr);
        MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
        MPI_Comm_size(MPI_COMM_WORLD, &size_);
    }
    ~RawMpi() override { MPI_Finalize(); }
    int rank() const override { return rank_; }
    int size() const override { return size_; }
    void barrier() override { MPI_Barrier(MPI_COMM_WORLD); }
    void allreduce(float* data, size_t count) override {
        if (mode_ == MpiMode::kBlocking) {
            MPI_Allreduce(MPI_IN_PLACE, data, static_cast<int>(count), MPI_FLOAT, MPI_SUM,
                          MPI_COMM_WORLD);
            return;
        }
        MPI_Request request;
        MPI_Iallreduce(MPI_IN_PLACE, data, static_cast<int>(count), MPI_FLOAT, MPI_SUM,
                       MPI_COMM_WORLD, &request);
        if (mode_ == MpiMode::kNonBlockingWait) {
            MPI_Wait(&request, MPI_STATUS_IGNORE);
            return;
        }
        for (int done = 0;;) {
            MPI_Test(&request, &done, MPI_STATUS_IGNORE);
            if (done) return;
            sched_yield();
        }
    }
    void sum(double* data, size_t count) override {
        MPI_Allreduce(MPI_IN_PLACE, data, static_cast<int>(count), MPI_DOUBLE, MPI_SUM,
                      MPI_COMM_WORLD);
    }
    std::string describe() const override {
        char version[MPI_MAX_LIBRARY_VERSION_STRING];
        int length = 0;
        MPI_Get_library_version(version, &length);
        std::string text(version, static_cast<size_t>(length));
        const auto comma = text.find(',');
        if (comma != std::string::npos) text.resize(comma);
        const char* call = mode_ == MpiMode::kBlocking ? "MPI_Allreduce"
                           : mode_ == MpiMode::kNonBlockingWait
                               ? "MPI_Iallreduce + MPI_Wait"
                               : "MPI_Iallreduce + MPI_Test/sched_yield loop";
        return std::string(call) + "(MPI_IN_PLACE, MPI_FLOAT, MPI_SUM), " + text;
    }

private:
    MpiMode mode_;
    int rank_ = 0;
    int size_ = 1;
};

int env_int(const char* name, int fallback) {
    const char* value = std::getenv(name);
    return value != nullptr ? std::atoi(value) : fallback;
}

class RawGloo final : public Backend {
public:
    explicit RawGloo(const std::string& store_dir)
        : rank_(env_int("RANK", 0)), size_(env_int("WORLD_SIZE", 1)) {
        gloo::rendezvous::FileStore store(store_dir);
        gloo::transport::tcp::attr attr;
        attr.hostname = "127.0.0.1";
        auto device = gloo::transport::tcp::CreateDevice(attr);
        auto context = std::make_shared<gloo::rendezvous::Context>(rank_, size_);
        context->setTimeout(timeout_);
        context->connectFullMesh(store, device);
        context_ = std::move(context);
    }
    int rank() const override { return rank_; }
    int size() const override { return size_; }
    void barrier() override {
        gloo::BarrierOptions options(context_);
        options.setTimeout(timeout_);
        gloo::barrier(options);
    }
    void allreduce(float* data, size_t count) override { reduce(data, count); }
    void sum(double* data, size_t count) override { reduce(data, count); }
    std::string describe() const override {
        return "gloo::allreduce(AllreduceOptions, gloo::sum<float>), tcp device on 127.0.0.1, "
               "FileStore rendezvous";
    }

private:
    template <class T>
    void reduce(T* data, size_t count) {
        gloo::AllreduceOptions options(context_);
        options.setOutput(data, count);
        options.setReduceFunction(
            static_cast<void (*)(void*, const void*, const void*, size_t)>(&gloo::sum<T>));
        options.setTimeout(timeout_);
        gloo::allreduce(options);
    }

    int rank_;
    int size_;
    std::chrono::milliseconds timeout_{300000};
    std::shared_ptr<gloo::Context> context_;
};

class Slipway final : public Backend {
public:
    explicit Slipway(std::unique_ptr<slipway::Communicator> comm) : comm_(std::move(comm)) {}
    int rank() const override { return comm_->rank(); }
    int size() const override { return comm_->size(); }
    void barrier() override { comm_->barrier(); }
    void allreduce(float* data, size_t count) override { comm_->allreduce_sum(data, count); }
    void sum(double* data, size_t count) override { comm_->allreduce_sum(data, count); }
    std::string describe() const override {
        return "slipway::Communicator::allreduce_sum(float*) (" + comm_->name() +
               "), via make_communicator";
    }

private:
    std::unique_ptr<slipway::Communicator> comm_;
};

// Diagnosis (--worker-thread): every call of `inner` runs on one dedicated thread while the
// calling thread waits on a condition variable, the way torch.distributed's ProcessGroupGloo
// runs collectives on its worker thread.
class OnWorkerThread final : public Backend {
public:
    explicit OnWorkerThread(std::unique_ptr<Backend> inner)
        : inner_(std::move(inner)), worker_([this] { serve(); }) {}
    ~OnWorkerThread() override {
        run([] {}, true);
        worker_.join();
    }
    int rank() const override { return inner_->rank(); }
    int size() const override { return inner_->size(); }
    void barrier() override { run([&] { inner_->barrier(); }); }
    void allreduce(float* data, size_t count) override {
        run([&] { inner_->allreduce(data, count); });
    }
    void sum(double* data, size_t count) override { run([&] { inner_->sum(data, count); }); }
    std::string describe() const override {
        return inner_->describe() + ", each call on a worker thread";
    }

private:
    void run(std::function<void()> work, bool stop = false) {
        std::unique_lock<std::mutex> lock(mutex_);
        work_ = std::move(work);
        stop_ = stop;
        done_ = false;
        std::exception_ptr failure;
        ready_.notify_one();
        finished_.wait(lock, [&] { return done_; });
        if (failure_) std::swap(failure, failure_);
        lock.unlock();
        if (failure) std::rethrow_exception(failure);
    }
    void serve() {
        std::unique_lock<std::mutex> lock(mutex_);
        for (;;) {
            ready_.wait(lock, [&] { return static_cast<bool>(work_); });
            auto work = std::move(work_);
            work_ = nullptr;
            const bool stop = stop_;
            lock.unlock();
            try {
                work();
            } catch (...) {
                failure_ = std::current_exception();
            }
            lock.lock();
            done_ = true;
            finished_.notify_one();
            if (stop) return;
        }
    }

    std::unique_ptr<Backend> inner_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::condition_variable finished_;
    std::function<void()> work_;
    bool stop_ = false;
    bool done_ = false;
    std::exception_ptr failure_;
    std::thread worker_;  // last: starts after the members it uses
};

std::unique_ptr<Backend> make_slipway(slipway::CommChoice choice) {
    auto ranks = slipway::discover_ranks(slipway::process_environment());
    if (!ranks.ok()) {
        std::fprintf(stderr, "allreduce_bench: %s\n", ranks.error().message().c_str());
        std::exit(2);
    }
    slipway::CommOptions options;
    options.choice = choice;
    options.job_token = "allreduce-bench";
    options.signature = "allreduce-bench";
    auto comm = slipway::make_communicator(*ranks, options);
    if (!comm.ok()) {
        std::fprintf(stderr, "allreduce_bench: %s\n", comm.error().message().c_str());
        std::exit(2);
    }
    return std::make_unique<Slipway>(std::move(comm).value());
}

struct Row {
    size_t bytes = 0;
    size_t count = 0;
    int warmup = 0;
    int iters = 0;
    double time_us = 0;     // median over iterations of the max over ranks
    double mean_us = 0;     // mean of the same per-iteration times, for reference
    double min_us = 0;
    double step_us = 0;     // this rank's loop time per iteration (with --compute-us: a step)
    double algbw = 0;       // GB/s
    double busbw = 0;       // GB/s
    long long wrong = 0;    // elements wrong in the correctness round
};

struct Options {
    std::string backend;
    std::string json;
    std::string file_store;
    size_t min_bytes = 4096;
    size_t max_bytes = 256u << 20;
    std::vector<size_t> extra_counts;  // extra sizes in elements (e.g. a model's gradient)
    double iter_scale = 1.0;           // multiplies the default iteration counts
    double compute_us = 0;             // diagnosis: busy work before each call, no barrier
    bool sleep_instead = false;        // diagnosis: --compute-us sleeps instead of spinning
    bool worker_thread = false;        // diagnosis: every call on a worker thread
};

[[noreturn]] void usage(const char* why, int code = 2) {
    if (why != nullptr) std::fprintf(stderr, "allreduce_bench: %s\n", why);
    std::fprintf(code == 0 ? stdout : stderr,
                 "usage: allreduce_bench --backend slipway-mpi|raw-mpi|slipway-gloo|raw-gloo\n"
                 "         (diagnosis: raw-mpi-iallreduce-wait|raw-mpi-iallreduce-yield)\n"
                 "         [--min-bytes 4096] [--max-bytes 268435456] [--extra-count N]...\n"
                 "         [--iter-scale 1.0] [--json FILE] [--file-store DIR (raw-gloo)]\n"
                 "         [--compute-us US (diagnosis: busy work before each call, no "
                 "barrier)]\n"
                 "         [--sleep (diagnosis: sleep those us instead)]\n"
                 "         [--worker-thread (diagnosis: each call on a worker thread)]\n");
    std::exit(code);
}

Options parse(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) usage(("missing value for " + flag).c_str());
            return argv[++i];
        };
        if (flag == "--backend") options.backend = next();
        else if (flag == "--json") options.json = next();
        else if (flag == "--file-store") options.file_store = next();
        else if (flag == "--min-bytes") options.min_bytes = std::stoull(next());
        else if (flag == "--max-bytes") options.max_bytes = std::stoull(next());
        else if (flag == "--extra-count") options.extra_counts.push_back(std::stoull(next()));
        else if (flag == "--iter-scale") options.iter_scale = std::stod(next());
        else if (flag == "--compute-us") options.compute_us = std::stod(next());
        else if (flag == "--sleep") options.sleep_instead = true;
        else if (flag == "--worker-thread") options.worker_thread = true;
        else if (flag == "-h" || flag == "--help") usage(nullptr, 0);
        else usage(("unknown flag " + flag).c_str());
    }
    if (options.backend.empty()) usage("--backend is required");
    if (options.min_bytes < 4 || options.max_bytes < options.min_bytes) usage("bad sizes");
    return options;
}

// Timed iterations: about 512 MiB of data per size, at least 10 and at most 200 calls; warmup
// a tenth of that, at least 3.
int timed_iterations(size_t bytes, double scale) {
    const double calls = std::clamp(double(512u << 20) / double(bytes), 10.0, 200.0);
    return std::max(3, static_cast<int>(std::lround(calls * scale)));
}

// Keeps this thread busy for `us` microseconds, the way a training step's compute would.
void busy_for(double us) {
    const auto until = Clock::now() + std::chrono::duration<double, std::micro>(us);
    volatile double sink = 1.0;
    while (Clock::now() < until) {
        for (int i = 0; i < 64; ++i) sink = sink * 1.0000001 + 1e-9;
    }
}

Row measure(Backend& backend, float* buffer, size_t count, double iter_scale, double compute_us,
            bool sleep_instead) {
    const int n = backend.size();
    const int rank = backend.rank();
    Row row;
    row.count = count;
    row.bytes = count * sizeof(float);

    // Correctness round: rank r contributes r+1 (+ a small index pattern), the sum is known.
    for (size_t i = 0; i < count; ++i) buffer[i] = float(rank + 1) + float(i % 7);
    backend.barrier();
    backend.allreduce(buffer, count);
    const float expected_base = float(n) * float(n + 1) / 2.0f;
    long long wrong = 0;
    for (size_t i = 0; i < count; ++i) {
        if (buffer[i] != expected_base + float(n) * float(i % 7)) ++wrong;
    }
    std::memset(buffer, 0, row.bytes);  // sums of zeros: no overflow, no denormals
    // Every rank's count of wrong elements, summed.
    double wrong_sum = static_cast<double>(wrong);
    backend.sum(&wrong_sum, 1);
    row.wrong = static_cast<long long>(wrong_sum);

    row.iters = timed_iterations(row.bytes, iter_scale);
    row.warmup = std::max(3, row.iters / 10);
    for (int i = 0; i < row.warmup; ++i) backend.allreduce(buffer, count);

    // Slot [iteration * n + rank] holds this rank's time; one sum gathers every rank's.
    std::vector<double> times(static_cast<size_t>(row.iters) * static_cast<size_t>(n), 0.0);
    if (compute_us > 0) backend.barrier();
    const auto loop_start = Clock::now();
    for (int i = 0; i < row.iters; ++i) {
        // --compute-us: a training step's shape (compute, then the allreduce; no barrier).
        if (compute_us > 0 && sleep_instead) {
            std::this_thread::sleep_for(std::chrono::duration<double, std::micro>(compute_us));
        } else if (compute_us > 0) {
            busy_for(compute_us);
        } else {
            backend.barrier();
        }
        const auto start = Clock::now();
        backend.allreduce(buffer, count);
        const auto stop = Clock::now();
        times[static_cast<size_t>(i) * n + rank] =
            std::chrono::duration<double, std::micro>(stop - start).count();
    }
    row.step_us = std::chrono::duration<double, std::micro>(Clock::now() - loop_start).count() /
                  row.iters;
    backend.sum(times.data(), times.size());
    std::vector<double> per_iteration(static_cast<size_t>(row.iters));
    for (int i = 0; i < row.iters; ++i) {
        double worst = 0;
        for (int r = 0; r < n; ++r) worst = std::max(worst, times[static_cast<size_t>(i) * n + r]);
        per_iteration[static_cast<size_t>(i)] = worst;
    }
    double total = 0;
    for (double t : per_iteration) total += t;
    row.mean_us = total / row.iters;
    std::sort(per_iteration.begin(), per_iteration.end());
    const size_t mid = per_iteration.size() / 2;
    row.time_us = per_iteration.size() % 2 == 1
                      ? per_iteration[mid]
                      : 0.5 * (per_iteration[mid - 1] + per_iteration[mid]);
    row.min_us = per_iteration.front();
    row.algbw = double(row.bytes) / (row.time_us * 1e-6) / 1e9;
    row.busbw = row.algbw * 2.0 * double(n - 1) / double(n);
    return row;
}

void print_header(const std::string& backend, const std::string& what, int n) {
    std::printf("# allreduce_bench --backend %s: %d ranks, float32 sum, in place\n",
                backend.c_str(), n);
    std::printf("# %s\n", what.c_str());
    std::printf("# time = median over timed iterations of the slowest rank's call, each "
                "iteration after a barrier\n");
    std::printf("#\n");
    std::printf("# %10s %12s %8s %6s %6s %6s %10s %8s %8s %7s\n", "size", "count", "type",
                "redop", "warmup", "iters", "time", "algbw", "busbw", "#wrong");
    std::printf("# %10s %12s %8s %6s %6s %6s %10s %8s %8s %7s\n", "(B)", "(elements)", "", "",
                "", "", "(us)", "(GB/s)", "(GB/s)", "");
    std::fflush(stdout);
}

void print_row(const Row& row) {
    std::printf("  %10zu %12zu %8s %6s %6d %6d %10.1f %8.3f %8.3f %7lld\n", row.bytes, row.count,
                "float", "sum", row.warmup, row.iters, row.time_us, row.algbw, row.busbw,
                row.wrong);
    std::fflush(stdout);
}

std::string json_escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) continue;
        out += c;
    }
    return out;
}

void write_json(const std::string& path, const Options& options, const std::string& what, int n,
                const std::vector<Row>& rows, double avg_busbw, long long wrong) {
    FILE* file = std::fopen(path.c_str(), "w");
    if (file == nullptr) {
        std::fprintf(stderr, "allreduce_bench: cannot write %s\n", path.c_str());
        std::exit(1);
    }
    std::fprintf(file,
                 "{\"backend\": \"%s\", \"library\": \"%s\", \"world_size\": %d, "
                 "\"type\": \"float\", \"redop\": \"sum\", \"in_place\": true,\n"
                 " \"timing\": \"median over iterations of the slowest rank; barrier before "
                 "each iteration\", \"units\": {\"time\": \"us\", \"algbw\": \"GB/s\", "
                 "\"busbw\": \"GB/s\"},\n \"avg_busbw\": %.6f, \"wrong\": %lld, \"rows\": [\n",
                 options.backend.c_str(), json_escape(what).c_str(), n, avg_busbw, wrong);
    for (size_t i = 0; i < rows.size(); ++i) {
        const Row& r = rows[i];
        std::fprintf(file,
                     "  {\"bytes\": %zu, \"count\": %zu, \"warmup\": %d, \"iters\": %d, "
                     "\"time_us\": %.3f, \"mean_us\": %.3f, \"min_us\": %.3f, \"algbw\": %.6f, "
                     "\"busbw\": %.6f, \"wrong\": %lld, \"step_us\": %.3f}%s\n",
                     r.bytes, r.count, r.warmup, r.iters, r.time_us, r.mean_us, r.min_us,
                     r.algbw, r.busbw, r.wrong, r.step_us, i + 1 < rows.size() ? "," : "");
    }
    std::fprintf(file, "]}\n");
    std::fclose(file);
}

int run(const Options& options) {
    std::unique_ptr<Backend> backend;
    if (options.backend == "raw-mpi") {
        backend = std::make_unique<RawMpi>(MpiMode::kBlocking);
    } else if (options.backend == "raw-mpi-iallreduce-wait") {
        backend = std::make_unique<RawMpi>(MpiMode::kNonBlockingWait);
    } else if (options.backend == "raw-mpi-iallreduce-yield") {
        backend = std::make_unique<RawMpi>(MpiMode::kNonBlockingYield);
    } else if (options.backend == "slipway-mpi") {
        backend = make_slipway(slipway::CommChoice::kMpi);
    } else if (options.backend == "slipway-gloo") {
        backend = make_slipway(slipway::CommChoice::kGloo);
    } else if (options.backend == "raw-gloo") {
        if (options.file_store.empty()) usage("raw-gloo needs --file-store DIR");
        backend = std::make_unique<RawGloo>(options.file_store);
    } else {
        usage(("unknown backend " + options.backend).c_str());
    }
    if (options.worker_thread) backend = std::make_unique<OnWorkerThread>(std::move(backend));
    const int n = backend->size();
    const bool root = backend->rank() == 0;

    std::vector<size_t> counts;
    for (size_t bytes = options.min_bytes; bytes <= options.max_bytes; bytes *= 2) {
        counts.push_back(bytes / sizeof(float));
    }
    for (size_t count : options.extra_counts) counts.push_back(count);
    std::sort(counts.begin(), counts.end());
    counts.erase(std::unique(counts.begin(), counts.end()), counts.end());
    const size_t max_count = counts.back();

    // The largest buffer once, touched on every page before any timing: no size pays page
    // faults (about 11 us per 4 KiB page here) inside the timed calls.
    std::vector<float> buffer(max_count, 0.0f);

    const std::string what = backend->describe();
    if (root) {
        print_header(options.backend, what, n);
        if (options.compute_us > 0) {
            std::printf("# --compute-us %g: each call follows %g us of %s instead of a "
                        "barrier (time: the call only)\n",
                        options.compute_us, options.compute_us,
                        options.sleep_instead ? "sleep" : "busy work");
        }
    }
    std::vector<Row> rows;
    long long wrong = 0;
    double busbw_sum = 0;
    for (size_t count : counts) {
        Row row = measure(*backend, buffer.data(), count, options.iter_scale, options.compute_us,
                          options.sleep_instead);
        rows.push_back(row);
        wrong += row.wrong;
        busbw_sum += row.busbw;
        if (root) print_row(row);
    }
    const double avg_busbw = busbw_sum / static_cast<double>(rows.size());
    if (root) {
        std::printf("# Out of bounds values : %lld %s\n", wrong, wrong == 0 ? "OK" : "FAILED");
        std::printf("# Avg bus bandwidth    : %g \n", avg_busbw);
        std::printf("#\n");
        std::fflush(stdout);
        if (!options.json.empty()) write_json(options.json, options, what, n, rows, avg_busbw, wrong);
    }
    backend->barrier();
    return wrong == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    const Options options = parse(argc, argv);
    // slipway's info lines (the rendezvous) would land in the table on stdout.
    spdlog::set_level(spdlog::level::warn);
    try {
        return run(options);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "allreduce_bench (%s): %s\n", options.backend.c_str(), error.what());
        return 1;
    }
}
