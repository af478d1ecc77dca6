"""Writers exclude each other: concurrent adds keep every member, ``--no-wait`` fails at
once, and a reader during an add sees the archive as it was, without a warning."""

from __future__ import annotations

import fcntl
import subprocess
import sys
import threading
import warnings

import pytest

from reliability_helpers import relatives
from seqcoder.cli import main
from seqcoder.collection import Collection
from seqcoder.io.lock import LockedError


def test_concurrent_adds_keep_every_member(archive, genomes):
    """Two ``seqcoder add`` processes at once: both finish and no member is lost."""
    adds = [subprocess.Popen([sys.executable, "-m", "seqcoder", "add", "-q", str(archive.path)]
                             + [str(p) for p in part], stderr=subprocess.PIPE)
            for part in (genomes[2:4], genomes[4:6])]
    for add in adds:
        assert add.wait(timeout=120) == 0, add.stderr.read() if add.stderr else None
        if add.stderr:
            add.stderr.close()
    c = Collection(archive.path)
    assert sorted(m.name for m in c.members) == [f"g{i}.fa" for i in range(6)]
    assert c.test() == 6


def test_an_add_opened_before_another_finished_keeps_its_members(archive, genomes):
    """``add`` reads the archive again once it holds the lock, not the state it opened."""
    late = Collection(archive.path)
    Collection(archive.path).add(genomes[2:3])
    late.add(genomes[3:4])
    assert [m.name for m in Collection(archive.path).members] == ["g0.fa", "g1.fa", "g2.fa", "g3.fa"]


def test_a_second_writer_waits_or_fails_at_once(archive, genomes, capsys):
    before = archive.path.read_bytes()
    with open(archive.path, "rb") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX)  # another writer at work
        with pytest.raises(LockedError, match="another seqcoder process is writing it"):
            archive.add(genomes[2:3], wait=False)
        assert main(["add", "--no-wait", "-q", str(archive.path), str(genomes[2])]) == 1
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 1 and err[0].startswith(f"seqcoder: error: {archive.path}: another seqcoder")
        told: list[str] = []
        with pytest.raises(LockedError):
            archive.add(genomes[2:3], wait=False, on_wait=told.append)
        assert told == []
    assert archive.path.read_bytes() == before


def test_waiting_writer_says_why_and_then_adds(archive, genomes):
    with open(archive.path, "rb") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX)
        add = subprocess.Popen([sys.executable, "-m", "seqcoder", "add", "-q", str(archive.path), str(genomes[2])],
                               stderr=subprocess.PIPE, text=True)
        assert add.stderr is not None
        line = add.stderr.readline()  # printed while it waits for the lock
        assert "another seqcoder process is writing it; waiting" in line
        assert add.poll() is None
    assert add.wait(timeout=120) == 0
    add.stderr.close()
    assert len(Collection(archive.path).members) == 3


def test_reader_during_an_add_sees_the_old_archive_without_a_warning(archive, genomes):
    before = archive.path.read_bytes()
    archive.add(genomes[2:3])
    after = archive.path.read_bytes()
    archive.path.write_bytes(after[:len(before) + (len(after) - len(before)) // 2])  # an add half way
    with open(archive.path, "rb") as writer:
        fcntl.flock(writer, fcntl.LOCK_EX)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            c = Collection(archive.path)
        assert [m.name for m in c.members] == ["g0.fa", "g1.fa"]
        assert c.test() == 2


def test_pack_over_an_archive_waits_for_its_writer(archive, genomes):
    told: list[str] = []
    with open(archive.path, "rb") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX)
        pack = threading.Thread(target=Collection.create, args=(archive.path, genomes[3:5]),
                                kwargs={"on_wait": told.append})
        pack.start()
        pack.join(timeout=2)
        assert pack.is_alive() and told and "waiting" in told[0]  # the old archive is still there
        assert [m.name for m in Collection(archive.path).members] == ["g0.fa", "g1.fa"]
    pack.join(timeout=60)
    assert [m.name for m in Collection(archive.path).members] == ["g3.fa", "g4.fa"]


_SLOW_ADD = """
import sys, time
from seqcoder.collection import Collection
Collection(sys.argv[1]).add(sys.argv[2:], progress=lambda _n: time.sleep(0.3))
"""


def test_readers_while_an_add_runs_see_the_old_or_the_new_archive(tmp_path, archive):
    unrelated = [relatives(tmp_path / f"u{i}", 1, length=60_000, seed=10 + i, prefix=f"u{i}_")[0] for i in range(3)]
    add = subprocess.Popen([sys.executable, "-c", _SLOW_ADD, str(archive.path)] + [str(p) for p in unrelated])
    seen = set()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not even a warning: the running add's bytes are no news
        while add.poll() is None:
            c = Collection(archive.path)
            seen.add(len(c.members))
            assert c.test() in (2, 5)
    assert add.returncode == 0
    assert Collection(archive.path).test() == 5
    assert 2 in seen
