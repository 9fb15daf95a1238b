# Every dependency comes from Debian packages; scripts/install-deps.sh installs them.
find_package(MPI REQUIRED COMPONENTS C)
find_package(HDF5 REQUIRED COMPONENTS C)
find_package(spdlog REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(CLI11 REQUIRED)
find_package(ZLIB REQUIRED)
find_package(GTest REQUIRED)
find_package(Gloo REQUIRED)
find_package(Threads REQUIRED)

# OpenBLAS on purpose: Debian's reference libblas3 (pulled in by other packages and chosen
# through libblas.so.3 alternatives) runs sgemm about 20x slower. We link libopenblas itself
# and take cblas.h from OpenBLAS's own include dir, so the alternatives never matter.
set(_multiarch ${CMAKE_LIBRARY_ARCHITECTURE})  # x86_64-linux-gnu, aarch64-linux-gnu, ...
find_library(OPENBLAS_LIBRARY NAMES openblas
             PATHS /usr/lib/${_multiarch}/openblas-pthread /usr/lib/${_multiarch}
             NO_DEFAULT_PATH REQUIRED)
find_path(OPENBLAS_INCLUDE_DIR NAMES cblas.h
          PATHS /usr/include/${_multiarch}/openblas-pthread /usr/include/openblas
          NO_DEFAULT_PATH REQUIRED)
add_library(slipway_openblas INTERFACE)
target_link_libraries(slipway_openblas INTERFACE ${OPENBLAS_LIBRARY})
target_include_directories(slipway_openblas SYSTEM INTERFACE ${OPENBLAS_INCLUDE_DIR})
message(STATUS "slipway: BLAS = ${OPENBLAS_LIBRARY} (cblas.h from ${OPENBLAS_INCLUDE_DIR})")
