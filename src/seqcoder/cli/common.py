"""The plumbing every command shares: the one error class, the size parser, the level and
thread flags, the progress bar, and where outputs go (atomically, never over a file unasked)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from ..errors import SeqcoderError
from ..levels import DEFAULT_LEVEL, MAX_LEVEL, MIN_LEVEL

T = TypeVar("T")


class CliError(SeqcoderError):
    """A problem with what the user asked for (the command prints it and exits 1)."""


def parse_size(text: str, unit: int) -> int:
    """``64M``-style sizes: a number with an optional k, M or G (``unit`` to the 1st, 2nd, 3rd power).

    >>> parse_size("64M", 1024), parse_size("1.5k", 1000), parse_size("300", 1000)
    (67108864, 1500, 300)
    """
    t = text.strip().lower().rstrip("b")
    powers = {"k": 1, "m": 2, "g": 3}
    try:
        return int(float(t[:-1]) * unit ** powers[t[-1]]) if t and t[-1] in powers else int(t)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r}") from None


def byte_size(text: str) -> int:
    """Bytes: k, M, G are powers of 1024 (like ``--block-size 64M`` = 64 MiB)."""
    return parse_size(text, 1024)


def base_count(text: str) -> int:
    """Bases: k, M, G are powers of 1000 (like ``--max-group-bases 500M``)."""
    return parse_size(text, 1000)


def add_level_flags(p: argparse.ArgumentParser, default: str = str(DEFAULT_LEVEL)) -> None:
    """``-1`` .. ``-9`` and ``-L N``; the level stays None when none is given."""
    for level in range(MIN_LEVEL, MAX_LEVEL + 1):
        p.add_argument(f"-{level}", dest="level", action="store_const", const=level, help=argparse.SUPPRESS)
    p.add_argument("-L", "--level", dest="level", type=int, default=None, metavar="N",
                   help=f"level {MIN_LEVEL} (fast) .. {MAX_LEVEL} (best); also -{MIN_LEVEL} .. -{MAX_LEVEL} "
                        f"(default {default})")


def add_threads_flag(p: argparse.ArgumentParser, what: str = "output does not depend on it",
                     default: int = 1) -> None:
    p.add_argument("-T", "--threads", type=int, default=default, metavar="N",
                   help=f"threads (0 = all cores); {what} (default {default})")


def add_sync_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sync", action="store_true",
                   help="flush each decoded file to the disk before going on (as gzip --synchronous); slower")


def threads(n: int) -> int:
    from ..api import resolve_threads  # imported here: `seqcoder --help` stays instant

    return resolve_threads(n)


def progress(total: int | None, quiet: bool, desc: str, unit: str = "B") -> Any:
    """A tqdm bar on stderr, only when stderr is a terminal (``unit`` B counts bytes)."""
    from tqdm import tqdm

    return tqdm(total=total, unit=unit, unit_scale=unit == "B", desc=desc, leave=False,
                disable=quiet or not sys.stderr.isatty())


def check_output(target: Path, force: bool) -> None:
    if target.exists() and not force:
        raise CliError(f"{target}: already exists; use -f to overwrite")


def write_to(target: Path | None, produce: Callable[[BinaryIO], T], *, durable: bool = True) -> T:
    """Write via ``produce(stream)`` to standard output (``target`` None) or atomically to ``target``
    (``durable``: flushed to the disk before this returns)."""
    from ..io.atomic import write_atomically

    if target is None:
        result = produce(sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return result
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_atomically(target, produce, durable=durable)


def write_bytes(target: Path | None, data: bytes, force: bool, *, durable: bool = True) -> None:
    """``data`` to standard output (``target`` None) or to a new file ``target``."""
    if target is not None:
        check_output(target, force)
    write_to(target, lambda out: out.write(data), durable=durable)


def safe_name(directory: Path, name: str) -> Path:
    """``directory / name``, refusing a member name that would land elsewhere."""
    if Path(name).name != name or name in (".", ".."):
        raise CliError(f"member name {name!r} is not a plain file name; not written")
    return directory / name


def write_members(args: argparse.Namespace, names: list[str], members: Callable[[], Iterator[tuple[str, bytes]]],
                  record: Callable[[], bytes]) -> None:
    """What ``get`` writes, wherever the members come from (a collection or a batch directory):
    ``--record`` of one member, or members to ``-o FILE``, ``-c`` or ``-C DIR``. Every target is
    checked before anything is decoded."""
    if args.output and len(names) > 1:
        raise CliError("-o takes one member; use -C DIR for several")
    if args.record and len(names) > 1:
        raise CliError("--record takes one member")
    directory = Path(args.directory or ".")
    if args.record:
        to_file = args.output or args.directory
        target = (Path(args.output) if args.output else safe_name(directory, names[0])) if to_file else None
        if target is not None:
            check_output(target, args.force)
        write_bytes(target, record(), args.force, durable=args.sync)
        return
    if not args.stdout and not args.output:
        for name in names:
            check_output(safe_name(directory, name), args.force)
    for name, data in members():
        if args.stdout:
            sys.stdout.buffer.write(data)
        else:
            write_bytes(Path(args.output) if args.output else safe_name(directory, name), data, args.force,
                        durable=args.sync)
    if args.stdout:
        sys.stdout.buffer.flush()


def print_json(reports: list[dict[str, Any]]) -> None:
    """One report as an object, several as a list."""
    print(json.dumps(reports if len(reports) > 1 else reports[0], indent=2))


def say(text: str) -> None:
    """A note on the terminal that is not an error (e.g. why a writer waits)."""
    print(f"seqcoder: {text}", file=sys.stderr)
