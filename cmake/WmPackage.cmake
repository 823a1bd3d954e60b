# `cpack -G DEB` (from the build directory, after building): one Debian
# package, wm_<version>_<arch>.deb, holding everything cmake/WmInstall.cmake
# installs, under /usr: the stripped binary, the client libraries, headers
# and CMake package, configs (scenes among them), data/real and the systemd
# unit deploy/wm-serve.service. Its dependencies come from dpkg-shlibdeps.
set(CPACK_PACKAGE_NAME wm)
set(CPACK_PACKAGE_VENDOR "wm")
set(CPACK_PACKAGE_CONTACT "wm maintainers <wm@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "physics-grounded world-model service (gRPC) and its CLI")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# LibTorch finds BLAS at run time; `wm doctor` fails on the reference one.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS libopenblas0-pthread)
# What find_package(wm) needs beyond the package itself.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS
    "libgrpc++-dev, libprotobuf-dev, libabsl-dev, libgoogle-glog-dev, libssl-dev, zlib1g-dev")
# gzip: the package builds in seconds (xz took most of the time).
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)
include(CPack)
