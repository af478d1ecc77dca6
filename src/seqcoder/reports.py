"""The machine-readable reports (``list --json``, ``info --json``, ``batch --json``): every one
is built by the API's ``to_dict()`` and carries this one schema version.

>>> SCHEMA_VERSION
1
"""

from __future__ import annotations

#: bump when a key of any report changes meaning or goes away (adding a key does not)
SCHEMA_VERSION = 1
