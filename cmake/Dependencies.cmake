# Every dependency comes from Debian packages; scripts/install-deps.sh installs them.
find_package(MPI REQUIRED COMPONENTS C)
find_package(HDF5 REQUIRED COMPONENTS C)
find_package(spdlog REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(CLI11 REQUIRED)
find_package(ZLIB REQUIRED)
if(SLIPWAY_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
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

# Model export (trainer/export): Debian's libonnx-dev (ONNX 1.12: opsets up to 17) and the
# protobuf runtime its generated classes need. ONNX's config defines the imported targets
# `onnx` (checker, shape inference) and `onnx_proto` (the ModelProto classes); both carry
# ONNX_NAMESPACE=onnx and ONNX_ML=1, and onnx_proto links protobuf::libprotobuf, which
# find_package(Protobuf) must define first.
find_package(Protobuf REQUIRED)
find_package(ONNX 1.12 CONFIG REQUIRED)
message(STATUS "slipway: ONNX ${ONNX_VERSION}, protobuf ${Protobuf_VERSION}")
