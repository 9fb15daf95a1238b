#pragma once

#include <string>

namespace slipway {

// BLAS threads for this rank: the spec's train.threads_per_rank when set, else the CPUs this
// rank may use divided by the ranks on this node (at least 1), because ranks x threads beyond
// the cores runs an order of magnitude slower. Applies it and returns the number chosen.
int configure_cpu_threads(int threads_per_rank, int usable_cpus, int ranks_on_node);

// "OpenBLAS 0.3.21 ... (N threads)": the library really linked, read from OpenBLAS itself.
std::string blas_description();

}  // namespace slipway
