"""What the benchmark scripts share: the machine line, the commit measured, how results are emitted."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from pathlib import Path


def machine() -> str:
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores (shared with other work)"


def emit(result: dict, path: str | None) -> None:
    """Print the JSON result and, with ``path``, write it there too."""
    text = json.dumps(result, indent=2)
    print(text)
    if path:
        Path(path).write_text(text + "\n")


def commit() -> str:
    """The commit of the code being measured (the checkout this script belongs to)."""
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parent)
    return out.stdout.strip() or "unknown"
