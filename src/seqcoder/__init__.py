"""seqcoder: lossless compression of prokaryotic genomes.

>>> from seqcoder import compress, decompress
>>> decompress(compress(b">chr\\nACGTACGTNN\\n", codec="2bit"))
b'>chr\\nACGTACGTNN\\n'
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["Collection", "Compressor", "Decompressor", "compress", "decompress", "compress_file",
           "decompress_file", "inspect", "__version__"]


def __getattr__(name: str):
    # numpy and the codecs load on first use, so `import seqcoder` and `seqcoder --help` stay fast
    if name == "Collection":
        from .collection import Collection

        return Collection
    if name in __all__:
        from . import api

        return getattr(api, name)
    raise AttributeError(name)
