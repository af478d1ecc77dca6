"""Kill the whole ``seqcoder batch`` process tree (client, scheduler, workers) at random
moments, not only at the one the interrupted-run test waits for: every rerun finishes and
its catalog agrees with the archives."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

from batch_helpers import SLOW_PACK

from seqcoder.batch import check_directory, read_genome, run_batch

#: dask's own setting: every worker of the batch preloads the slowed pack (tests/batch/slow_pack.py)
SLOW = {"DASK_DISTRIBUTED__WORKER__PRELOAD": json.dumps([SLOW_PACK])}


def _batch(root, out) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "seqcoder", "batch", str(root), "-o", str(out), "--workers", "1", "-q",
           "--min-group-bases", "0"]
    return subprocess.Popen(cmd, env={**os.environ, **SLOW}, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_kill_the_process_tree_at_random_moments(genomes, client, tmp_path):
    root, made = genomes
    start = time.monotonic()
    whole = _batch(root, tmp_path / "whole")
    assert whole.wait(timeout=300) == 0
    seconds = time.monotonic() - start
    rng = random.Random(20)
    for moment in sorted(rng.uniform(0.2, 1.0) * seconds for _ in range(2)):
        out = tmp_path / f"killed-{moment:.2f}"
        run = _batch(root, out)
        time.sleep(moment)
        os.killpg(run.pid, signal.SIGKILL)  # the whole tree: its session is its own
        run.wait()
        report = run_batch([root], out, client=client, min_group_bases=0)
        assert report.groups == 3, moment
        assert check_directory(out) == [], moment
        for name, data in made.items():
            assert read_genome(out, name) == data
