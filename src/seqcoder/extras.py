"""Optional dependencies: which pip extra brings which modules, and the one-line error that
says how to install a missing one. The core install (numpy, numba, zstandard, safetensors) runs the
model-free codecs; the autoencoder, plots and the batch engine are extras.

>>> require("core", "json")  # a module that is there: nothing happens
>>> require("ae", "no_such_module_xyz")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
seqcoder.errors.MissingExtraError: this needs no_such_module_xyz, which is not installed: pip install 'seqcoder[ae]' ...
"""

from __future__ import annotations

import importlib.util

from .errors import MissingExtraError

#: extra -> the modules it installs that seqcoder imports
EXTRAS: dict[str, tuple[str, ...]] = {
    "ae": ("torch",),
    "plots": ("matplotlib",),
    "dask": ("dask", "distributed", "scipy"),
}


def require(extra: str, *modules: str, what: str = "this") -> None:
    """Raise :class:`MissingExtraError` unless every module (default: the extra's) imports."""
    for module in modules or EXTRAS[extra]:
        if importlib.util.find_spec(module) is None:
            raise MissingExtraError(f"{what} needs {module}, which is not installed: "
                                    f"pip install 'seqcoder[{extra}]' (in a checkout: pip install -e '.[{extra}]')")
