#!/usr/bin/env bash
# Installs every Debian 12 package wm needs (build, run, tests, Python peers).
# Idempotent: when all packages are present it returns at once, without
# `apt-get update`. Runs as root, or through sudo when not root.
set -euo pipefail

PACKAGES=(
  # Build tools.
  cmake ninja-build ccache g++ pkg-config git
  # LibTorch and a fast BLAS for it (Debian's reference BLAS is 16x slower).
  libtorch-dev libopenblas0-pthread
  # MuJoCo; its CMake config needs qhull headers and OpenGL's.
  libmujoco-dev libqhull-dev libgl-dev
  # gRPC, protobuf, health.proto, Abseil, logging, tests.
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  libabsl-dev libgoogle-glog-dev libgtest-dev libgmock-dev
  # Datasets, multi-process training, metrics endpoint; a one-node Slurm
  # for tools/slurm_smoke.sh.
  libhdf5-dev libgloo-dev libcpp-httplib-dev slurm-wlm munge
  # File digests and ZIP checksums (util/sha256.h, util/zip_check.h).
  libssl-dev zlib1g-dev
  # TLS test certificates; the durable-publish test traces system calls.
  openssl strace
  # libFuzzer harnesses (tools/fuzz.sh) and sanitizer runtimes.
  clang-14 libclang-rt-14-dev
  # Packaging: cpack -G DEB (dpkg-shlibdeps, file) and the unpacked-.deb test.
  dpkg-dev file
  # Python peers and client (pip installs clients/python; its setup.py runs
  # protoc and grpc_python_plugin, from protobuf-compiler-grpc).
  python3-torch python3-grpcio python3-protobuf python3-h5py python3-matplotlib
  python3-numpy python3-pip python3-setuptools python3-wheel
  # deploy/'s Kubernetes manifests, parsed by a test.
  python3-yaml
)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages are installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

echo "setup: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "setup: done"
