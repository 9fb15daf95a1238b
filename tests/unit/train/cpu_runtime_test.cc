#include "train/cpu_runtime.h"

#include <gtest/gtest.h>

namespace slipway {
namespace {

TEST(CpuRuntimeTest, ThreadsNeverOversubscribeTheCores) {
    EXPECT_EQ(configure_cpu_threads(0, 2, 2), 1);
    EXPECT_EQ(configure_cpu_threads(0, 2, 4), 1);
    EXPECT_EQ(configure_cpu_threads(0, 8, 2), 4);
    EXPECT_EQ(configure_cpu_threads(0, 1, 1), 1);
    EXPECT_EQ(configure_cpu_threads(3, 2, 2), 3);  // the spec's explicit choice wins
}

TEST(CpuRuntimeTest, LinkedBlasIsOpenBlas) {
    configure_cpu_threads(1, 1, 1);
    const std::string blas = blas_description();
    EXPECT_NE(blas.find("OpenBLAS"), std::string::npos) << blas;
    EXPECT_NE(blas.find("(1 threads)"), std::string::npos) << blas;
}

}  // namespace
}  // namespace slipway
