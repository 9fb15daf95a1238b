#pragma once

#include <string>

namespace slipway {

// BLAS threads for this rank: the spec's train.threads_per_rank when set, else
// min(CPUs this rank may run on, online CPUs / ranks on this node), at least 1, because
// ranks x threads beyond the cores runs an order of magnitude slower. A launcher that binds
// each rank to k cores gets k threads; unbound ranks share the node evenly. Applies it and
// returns the number chosen.
int configure_cpu_threads(int threads_per_rank, int usable_cpus, int online_cpus,
                          int ranks_on_node);

// "OpenBLAS 0.3.21 ... (N threads)": the library really linked, read from OpenBLAS itself.
std::string blas_description();

}  // namespace slipway
