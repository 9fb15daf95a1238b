#include "train/cpu_runtime.h"

#include <cblas.h>

#include <algorithm>

namespace slipway {

int configure_cpu_threads(int threads_per_rank, int usable_cpus, int online_cpus,
                          int ranks_on_node) {
    int threads = threads_per_rank;
    if (threads <= 0) {
        threads = std::max(1, std::min(usable_cpus, online_cpus / std::max(1, ranks_on_node)));
    }
    openblas_set_num_threads(threads);
    return threads;
}

std::string blas_description() {
    std::string config = openblas_get_config();
    while (!config.empty() && config.back() == ' ') config.pop_back();
    return config + " (" + std::to_string(openblas_get_num_threads()) + " threads)";
}

}  // namespace slipway
