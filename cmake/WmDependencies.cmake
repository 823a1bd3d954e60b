# Every dependency comes from Debian's packages (tools/setup.sh installs them).
# Nothing is vendored or downloaded.
find_package(Threads REQUIRED)
find_package(absl CONFIG REQUIRED)
find_package(glog CONFIG REQUIRED)
find_package(GTest REQUIRED)
# Protobuf 3.21 on Debian ships no CMake config package: module mode.
find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)
find_program(WM_GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)
find_package(HDF5 REQUIRED COMPONENTS C)
# SHA-256 of the files wm writes (util/sha256.h) and CRC-32 of ZIP entries
# (util/zip_check.h), checked before third-party parsers see them.
find_package(OpenSSL REQUIRED)
find_package(ZLIB REQUIRED)
# MuJoCo's config names /usr/include/libqhull_r (libqhull-dev) and calls
# find_dependency(OpenGL) (libgl-dev); neither is used at run time.
find_package(mujoco CONFIG REQUIRED)
find_package(Torch CONFIG REQUIRED)
# The BLAS LibTorch calls (libblas.so.3: OpenBLAS through Debian's
# alternatives, libopenblas0-pthread in tools/setup.sh); the fused inference
# path's matrix products call its sgemm directly. Found by its run-time name,
# so no -dev package is needed.
find_library(WM_BLAS_LIBRARY NAMES libblas.so.3 REQUIRED)
# cpp-httplib: Debian ships it compiled (libcpp-httplib.so), with a
# pkg-config file and no CMake package. Its header must see the feature
# macros the library was built with, or class layouts disagree.
find_library(WM_HTTPLIB_LIBRARY NAMES cpp-httplib REQUIRED)
add_library(wm_httplib INTERFACE)
target_link_libraries(wm_httplib INTERFACE "${WM_HTTPLIB_LIBRARY}")
target_compile_definitions(wm_httplib INTERFACE CPPHTTPLIB_OPENSSL_SUPPORT
  CPPHTTPLIB_ZLIB_SUPPORT CPPHTTPLIB_BROTLI_SUPPORT)
