"""Many genomes in one archive: cross-genome coding, a member index, get, append.

Layers, bottom up: :mod:`.kernel` (numba: copies along diagonals + literals, and the token
coder), :mod:`.format` (bytes of the archive), :mod:`.coder` (one member <-> its sections over
a shared reference text), :mod:`.archive` (:class:`Collection`: create, add, read, test).
"""

from .archive import DEFAULT_MAX_DEPTH, Collection, member_name
from .format import MemberEntry

__all__ = ["DEFAULT_MAX_DEPTH", "Collection", "MemberEntry", "member_name"]
