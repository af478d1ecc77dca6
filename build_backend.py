"""The build backend: setuptools', and for an editable install a warm kernel cache.

numba compiles the cm kernels on their first run (about 25 s on 2 cores) and caches the
machine code beside their source. An editable install runs from this source tree, so a cache
warmed here while pip builds the install is the one the first ``seqcoder compress`` loads
(src/seqcoder/entropy/jit.py; docs/cm-coder.md, "First run"). The warm-up runs in pip's build
environment, to which ``get_requires_for_build_editable`` adds the runtime dependencies; if it
fails, the install still succeeds and the first run compiles, saying so.

It also writes the package's bytecode (``compileall``): an editable install has none, and where
``PYTHONDONTWRITEBYTECODE`` is set (many containers) every command would compile the source
again, about 0.1 s of each whole-process ``get``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F401,F403  (every other hook is setuptools')
from setuptools.config.pyprojecttoml import read_configuration

_ROOT = Path(__file__).resolve().parent


def get_requires_for_build_editable(config_settings=None):
    runtime = read_configuration(_ROOT / "pyproject.toml")["project"]["dependencies"]
    return _setuptools.get_requires_for_build_editable(config_settings) + list(runtime)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    name = _setuptools.build_editable(wheel_directory, config_settings, metadata_directory)
    _warm()
    return name


def _warm() -> None:
    src = _ROOT / "src"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(src / "seqcoder")], check=False)
    path = os.pathsep.join(p for p in (str(src), os.environ.get("PYTHONPATH", "")) if p)
    t0 = time.perf_counter()
    print("seqcoder: compiling the cm and collection kernels for this machine (numba cache, once)", file=sys.stderr)
    done = subprocess.run([sys.executable, "-m", "seqcoder.warm"], cwd=_ROOT,
                          env=dict(os.environ, PYTHONPATH=path), check=False)
    took = time.perf_counter() - t0
    if done.returncode:
        print(f"seqcoder: warming the kernel cache failed after {took:.0f} s (exit "
              f"{done.returncode}); the first run compiles the kernels instead", file=sys.stderr)
