#include "train/cpu_runtime.h"

#include <gtest/gtest.h>

namespace slipway {
namespace {

TEST(CpuRuntimeTest, ThreadsNeverOversubscribeTheCores) {
    // (spec, usable by this rank, online, ranks on node)
    EXPECT_EQ(configure_cpu_threads(0, 2, 2, 2), 1);   // unbound, 2 ranks on 2 cores
    EXPECT_EQ(configure_cpu_threads(0, 2, 2, 4), 1);   // oversubscribed: never 0
    EXPECT_EQ(configure_cpu_threads(0, 8, 8, 2), 4);   // unbound, shared evenly
    EXPECT_EQ(configure_cpu_threads(0, 1, 16, 2), 1);  // bound to one core
    EXPECT_EQ(configure_cpu_threads(0, 4, 16, 4), 4);  // bound to 4 cores each
    EXPECT_EQ(configure_cpu_threads(0, 16, 16, 8), 2); // bound to a socket shared by 8 ranks
    EXPECT_EQ(configure_cpu_threads(3, 2, 2, 2), 3);   // the spec's explicit choice wins
}

TEST(CpuRuntimeTest, LinkedBlasIsOpenBlas) {
    configure_cpu_threads(1, 1, 1, 1);
    const std::string blas = blas_description();
    EXPECT_NE(blas.find("OpenBLAS"), std::string::npos) << blas;
    EXPECT_NE(blas.find("(1 threads)"), std::string::npos) << blas;
}

}  // namespace
}  // namespace slipway
