"""seqcoder batch end to end on a LocalCluster (127.0.0.1): grouping, byte-for-byte get,
the same archive bytes for 1 or 2 workers, resume, an interrupted run, many small files."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from batch_helpers import SLOW_PACK, fasta
from seqcoder.batch import Catalog, check_directory, read_genome, run_batch
from seqcoder.batch.inputs import find_genomes
from seqcoder.batch.tasks import pack_group, plan_jobs, sketch_genome
from seqcoder.cli import main


def _archives(out: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.glob("group-*.sqcl"))}


def test_batch_groups_families_and_gives_every_genome_back(genomes, client, tmp_path, capsys):
    root, made = genomes
    out = tmp_path / "out"
    report = run_batch([root], out, client=client, min_group_bases=0)
    assert report.genomes == len(made) and report.reused == 0
    assert report.bytes_in == sum(len(d) for d in made.values()) and report.bytes_out < report.bytes_in / 3
    with Catalog(out) as c:
        families = [{r.name.split("_")[0] for r in c.genomes() if r.group_id == g.group_id} for g in c.groups()]
    assert sorted(map(sorted, families)) == [["alpha"], ["beta"], ["phage"]]
    assert check_directory(out) == []
    for name, data in made.items():
        assert read_genome(out, name) == data
    # the CLI finds genomes through the catalog (-C, -o, -c) and lists it
    assert main(["get", str(out), "alpha_03.fna", "beta_01.fna", "-C", str(tmp_path / "got")]) == 0
    assert (tmp_path / "got" / "alpha_03.fna").read_bytes() == made["alpha_03.fna"]
    assert (tmp_path / "got" / "beta_01.fna").read_bytes() == made["beta_01.fna"]
    assert main(["get", str(out), "phage_02.fna", "-o", str(tmp_path / "p.fa")]) == 0
    assert (tmp_path / "p.fa").read_bytes() == made["phage_02.fna"]
    capsys.readouterr()
    assert main(["get", str(out), "beta_02.fna", "--record", "beta_2", "-c"]) == 0  # one record, to stdout
    assert capsys.readouterr().out == made["beta_02.fna"].decode()
    assert main(["get", str(out), "nope.fna", "-C", str(tmp_path / "x")]) == 1
    assert "no genome named 'nope.fna'" in capsys.readouterr().err and not (tmp_path / "x").exists()
    assert main(["list", str(out)]) == 0
    listing = capsys.readouterr().out
    assert f"{len(made)} genomes in 3 groups" in listing and "alpha_00.fna" in listing
    assert main(["test", "-v", str(out)]) == 0  # the catalog against every archive, decoded
    assert capsys.readouterr().out == f"{out}: OK ({len(made)} genomes in 3 archives)\n"
    (out / "catalog.sqlite").rename(out / "moved.sqlite")
    assert main(["test", str(out)]) == 1 and str(out) in capsys.readouterr().err


def test_archive_bytes_do_not_depend_on_workers_or_task_order(genomes, client, tmp_path):
    """Two workers on Dask against one process running the same tasks in reverse order."""
    root, _ = genomes
    run_batch([root], tmp_path / "two", client=client, min_group_bases=0)
    sketches = [sketch_genome(g) for g in reversed(find_genomes([root]))]
    jobs = plan_jobs(sketches, 4, min_group_bases=0)
    (tmp_path / "one").mkdir()
    for job in reversed(jobs):
        pack_group(str(tmp_path / "one"), job)
    assert len(_archives(tmp_path / "one")) == 3
    assert _archives(tmp_path / "one") == _archives(tmp_path / "two")


def test_rerun_reuses_verified_archives_and_rebuilds_damaged_ones(genomes, client, tmp_path):
    root, made = genomes
    out = tmp_path / "out"
    first = run_batch([root], out, client=client, min_group_bases=0)
    before = _archives(out)
    again = run_batch([root], out, client=client, min_group_bases=0)
    assert again.reused == again.groups == first.groups and _archives(out) == before
    damaged, missing = sorted(before)[:2]
    data = (out / damaged).read_bytes()
    (out / damaged).write_bytes(data[:200] + bytes([data[200] ^ 1]) + data[201:])  # one bit of a member block
    (out / missing).unlink()
    third = run_batch([root], out, client=client, min_group_bases=0)
    assert third.reused == first.groups - 2 and _archives(out) == before
    assert check_directory(out) == []


def test_cli_batch_against_a_scheduler_and_input_errors_before_work(genomes, client, tmp_path, capsys):
    root, made = genomes
    out = tmp_path / "out"
    listing = tmp_path / "list.txt"
    listing.write_text(f"{root / 'alpha'}\n\n{root / 'phage'}\n")
    assert main(["batch", "--files-from", str(listing), "-o", str(out), "-q", "-1",
                 "--scheduler", client.scheduler.address]) == 0
    with Catalog(out) as c:
        assert c.meta["level"] == "1" and len(c.genomes()) == 6 + 4
    assert check_directory(out) == []
    (tmp_path / "dup").mkdir()
    (tmp_path / "dup" / "alpha_00.fna").write_bytes(b">x\nACGT\n")
    assert main(["batch", str(root), str(tmp_path / "dup"), "-o", str(tmp_path / "o2"), "-q",
                 "--scheduler", client.scheduler.address]) == 1
    err = capsys.readouterr().err
    assert "two genomes would be named 'alpha_00.fna'" in err and str(tmp_path / "dup" / "alpha_00.fna") in err
    assert not (tmp_path / "o2").exists()  # nothing was started
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "e.fa").write_bytes(b"")
    assert main(["batch", str(tmp_path / "empty"), "-o", str(tmp_path / "o3"), "-q",
                 "--scheduler", client.scheduler.address]) == 1
    assert "e.fa: empty file" in capsys.readouterr().err
    assert not list((tmp_path / "o3").glob("group-*"))
    (tmp_path / "bad").mkdir()
    whole = gzip.compress(fasta("b", np.random.default_rng(0).integers(0, 4, 50_000).astype(np.uint8)))
    (tmp_path / "bad" / "b.fna.gz").write_bytes(whole[: len(whole) // 2])  # cut short
    assert main(["batch", str(root / "phage"), str(tmp_path / "bad"), "-o", str(tmp_path / "o4"), "-q",
                 "--scheduler", client.scheduler.address]) == 1
    assert "b.fna.gz: cannot read" in capsys.readouterr().err
    assert not list((tmp_path / "o4").glob("group-*"))


def test_many_small_plasmid_files(client, tmp_path):
    rng = np.random.default_rng(7)
    backbones = [rng.integers(0, 4, 6000).astype(np.uint8) for _ in range(3)]
    made = {}
    for i in range(40):
        codes = backbones[i % 3].copy()
        codes[rng.choice(6000, 20, replace=False)] = rng.integers(0, 4, 20)
        codes = np.concatenate([codes, rng.integers(0, 4, int(rng.integers(0, 3000))).astype(np.uint8)])
        name = f"plasmid_{i:03d}.fa"
        sub = tmp_path / "in" / f"batch{i % 7}"
        sub.mkdir(parents=True, exist_ok=True)
        made[name] = fasta(f"p{i} plasmid", codes, width=80)
        (sub / name).write_bytes(made[name])
    out = tmp_path / "out"
    report = run_batch([tmp_path / "in"], out, client=client)
    assert report.genomes == 40 and report.groups == 1  # all small: one shared bin
    assert report.bytes_out < report.bytes_in / 8
    for name, data in made.items():
        assert read_genome(out, name) == data


def test_interrupted_run_leaves_no_half_archive_and_resumes(genomes, client, tmp_path):
    """Kill a whole run (client, scheduler, worker) in the middle of writing; rerun it."""
    root, made = genomes
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "seqcoder", "batch", str(root), "-o", str(out), "--workers", "1", "-q",
           "--min-group-bases", "0"]
    slow = {**os.environ, "DASK_DISTRIBUTED__WORKER__PRELOAD": json.dumps([SLOW_PACK])}  # dask's setting
    run = subprocess.Popen(cmd, env=slow, start_new_session=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    try:
        while not (list(out.glob("group-*.sqcl")) and list(out.glob(".group-*.tmp"))):
            assert run.poll() is None, run.stderr.read().decode()
            assert time.monotonic() < deadline, "no archive was written in time"
            time.sleep(0.1)
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
    assert not (out / "catalog.sqlite").exists()
    done = sorted(out.glob("group-*.sqcl"))
    report = run_batch([root], out, client=client, min_group_bases=0)  # resumed on another cluster
    assert report.reused >= len(done) >= 1 and report.groups == 3
    assert check_directory(out) == []  # catalog and archives agree, no temporary file is left
    for name, data in made.items():
        assert read_genome(out, name) == data
