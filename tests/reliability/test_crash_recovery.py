"""A crash at any byte of an add leaves the archive readable as it was before the add:
truncations at every kind of place, a real ``kill -9``, repair, and the next add cleaning up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import warnings

import pytest

from reliability_helpers import relatives
from seqcoder.cli import main
from seqcoder.collection import Collection
from seqcoder.errors import SeqcoderWarning
from seqcoder.collection.recovery import repair
from seqcoder.errors import FormatError


def _cut_points(old: int, new: int) -> list[int]:
    """Every byte of the last 40 (the index and trailer) and 40 spread over the rest."""
    spread = range(old, new, max(1, (new - old) // 40))
    return sorted(set(spread) | set(range(max(old, new - 40), new)))


def test_truncation_anywhere_in_an_add_keeps_the_old_members(archive, genomes):
    before = archive.path.read_bytes()
    old_names = [m.name for m in archive.members]
    archive.add(genomes[2:4])
    after = archive.path.read_bytes()
    for cut in _cut_points(len(before), len(after)):
        archive.path.write_bytes(after[:cut])
        with pytest.warns(SeqcoderWarning, match="interrupted") if cut != len(before) else warnings.catch_warnings():
            c = Collection(archive.path)
        assert [m.name for m in c.members] == old_names, cut
        assert c.test() == 2


def test_repair_and_the_next_add_cut_back_to_the_last_complete_state(archive, genomes):
    before = archive.path.read_bytes()
    archive.add(genomes[2:3])
    after = archive.path.read_bytes()
    archive.path.write_bytes(after[:-5])
    report = repair(archive.path)
    assert (report.members, report.removed) == (2, len(after) - 5 - len(before))
    assert archive.path.read_bytes() == before
    assert repair(archive.path).removed == 0  # a complete archive is left as it is

    archive.path.write_bytes(after[:len(before) + 100])
    with pytest.warns(SeqcoderWarning):
        c = Collection(archive.path)
    c.add(genomes[2:4])  # cleans up first, then appends after the old trailer
    assert archive.path.read_bytes().startswith(before)
    assert [m.name for m in Collection(archive.path).members] == ["g0.fa", "g1.fa", "g2.fa", "g3.fa"]
    assert Collection(archive.path).test() == 4


def test_an_earlier_add_survives_a_later_interrupted_one(archive, genomes):
    archive.add(genomes[2:3])
    middle = archive.path.read_bytes()
    archive.add(genomes[3:5])
    archive.path.write_bytes(archive.path.read_bytes()[:len(middle) + 7])
    with pytest.warns(SeqcoderWarning):
        assert Collection(archive.path).test() == 3


def test_damage_to_the_last_index_is_an_error_not_a_silent_step_back(archive, genomes):
    """A file that ends in a trailer is read through it: an older state is never shown instead."""
    archive.add(genomes[2:3])
    data = bytearray(archive.path.read_bytes())
    data[-20] ^= 0x40  # inside the last index
    archive.path.write_bytes(bytes(data))
    with pytest.raises(FormatError, match="checksum"):
        Collection(archive.path)


def test_truncated_pack_has_no_complete_state(archive):
    data = archive.path.read_bytes()
    archive.path.write_bytes(data[:-3])
    with pytest.raises(FormatError, match="no complete archive"):
        Collection(archive.path)


_SLOW_ADD = """
import sys, time
from seqcoder.collection import Collection
c = Collection(sys.argv[1])
c.add(sys.argv[2:], progress=lambda _n: (print("member", flush=True), time.sleep(0.5)))
"""


def test_kill_9_during_add(tmp_path, archive, capsys):
    """A real ``kill -9`` once the add's first member block is on the disk; the CLI reads the
    old members with a one-line warning, ``repair`` says what it removed."""
    before = archive.path.read_bytes()
    unrelated = [relatives(tmp_path / f"u{i}", 1, length=60_000, seed=10 + i, prefix=f"u{i}_")[0] for i in range(3)]
    child = subprocess.Popen([sys.executable, "-c", _SLOW_ADD, str(archive.path)] + [str(p) for p in unrelated],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert child.stdout is not None and child.stdout.readline() == b"member\n", child.stderr
        deadline = time.monotonic() + 60
        while archive.path.stat().st_size == len(before) and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.communicate()
    child.wait()
    assert len(archive.path.read_bytes()) > len(before)
    assert main(["test", str(archive.path)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "interrupted" in err[0] and str(archive.path) in err[0]
    assert main(["repair", str(archive.path)]) == 0
    assert "bytes removed (2 members)" in capsys.readouterr().out
    assert archive.path.read_bytes() == before
