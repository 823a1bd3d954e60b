"""Builds the wm_client distribution; the wm.v1 stubs are generated here.

build_py runs the system protoc (--python_out, --pyi_out) and
grpc_python_plugin over proto/wm/v1/*.proto into the build directory, as
the top-level package `wm.v1` (the modules' import paths follow the .proto
paths, as generated code expects). The .proto directory is $WM_PROTO_DIR, or
the repository's proto/ two levels above this file. The build directory is
a fresh temporary one, so concurrent builds from one checkout do not meet
and the source tree stays clean.

Metadata is in pyproject.toml.
"""

import atexit
import glob
import os
import shutil
import subprocess
import tempfile

from setuptools import setup
from setuptools.command.build import build
from setuptools.command.build_py import build_py
from setuptools.command.egg_info import egg_info

_HERE = os.path.dirname(os.path.abspath(__file__))


def _proto_dir():
    """The directory holding wm/v1/*.proto."""
    directory = os.environ.get("WM_PROTO_DIR") or os.path.join(
        _HERE, "..", "..", "proto")
    if not glob.glob(os.path.join(directory, "wm", "v1", "*.proto")):
        raise RuntimeError(f"no wm/v1/*.proto under {directory}: set "
                           "WM_PROTO_DIR to the wm repository's proto/")
    return os.path.abspath(directory)


def _tool(name, package):
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"{name} not found (Debian: apt install {package})")
    return path


def generate_stubs(proto_dir, out_dir):
    """Writes wm/v1/*_pb2.py, *_pb2.pyi and *_pb2_grpc.py for every .proto
    of proto_dir/wm/v1 under out_dir, with the package __init__ files."""
    protos = sorted(glob.glob(os.path.join(proto_dir, "wm", "v1", "*.proto")))
    plugin = _tool("grpc_python_plugin", "protobuf-compiler-grpc")
    subprocess.run([
        _tool("protoc", "protobuf-compiler"), f"--proto_path={proto_dir}",
        f"--python_out={out_dir}", f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        f"--plugin=protoc-gen-grpc_python={plugin}", *protos], check=True)
    for package in ("wm", os.path.join("wm", "v1")):
        with open(os.path.join(out_dir, package, "__init__.py"), "w") as init:
            init.write('"""Generated from the wm.v1 .proto files."""\n')


class BuildPyWithStubs(build_py):
    """build_py, then the generated stubs beside the copied sources."""

    def run(self):
        super().run()
        generate_stubs(_proto_dir(), self.build_lib)


def _temporary_dir():
    """A fresh directory, removed when the build process exits."""
    path = tempfile.mkdtemp(prefix="wm_client_build_")
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


class BuildInTemporaryDir(build):
    """build with its build_base in a fresh temporary directory."""

    def initialize_options(self):
        super().initialize_options()
        self.build_base = _temporary_dir()


class EggInfoInTemporaryDir(egg_info):
    """egg_info writing its metadata into a fresh temporary directory
    unless told where."""

    def finalize_options(self):
        if self.egg_base is None:
            self.egg_base = _temporary_dir()
        super().finalize_options()


setup(cmdclass={"build_py": BuildPyWithStubs, "build": BuildInTemporaryDir,
                "egg_info": EggInfoInTemporaryDir})
