"""What the batch benchmark scripts share: the machine line and how results are emitted."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path


def machine() -> str:
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores (shared with other work)"


def emit(result: dict, path: str | None) -> None:
    """Print the JSON result and, with ``path``, write it there too."""
    text = json.dumps(result, indent=2)
    print(text)
    if path:
        Path(path).write_text(text + "\n")
