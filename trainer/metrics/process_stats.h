#pragma once

namespace slipway {

// Peak resident set size of this process so far, in MiB (getrusage ru_maxrss).
double peak_rss_mb();

// CPUs this process may run on (its affinity mask, which mpirun's binding narrows).
int usable_cpus();

// CPUs online on this machine, whatever this process is bound to.
int online_cpus();

}  // namespace slipway
