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
# MuJoCo's config names /usr/include/libqhull_r (libqhull-dev) and calls
# find_dependency(OpenGL) (libgl-dev); neither is used at run time.
find_package(mujoco CONFIG REQUIRED)
find_package(Torch CONFIG REQUIRED)
find_package(httplib CONFIG QUIET)
