"""seqcoder batch against a real cluster: a ``dask scheduler`` and two ``dask worker``
processes started here on 127.0.0.1 (free ports, no dashboard), and stopped at the end."""

from __future__ import annotations

import threading
import time

import pytest

import slow_pack
from batch_helpers import SLOW_PACK, start_real_cluster, wait_for_workers
from seqcoder.batch import check_directory, read_genome, run_batch
from seqcoder.cli import main


@pytest.fixture(scope="module")
def real_cluster(tmp_path_factory):
    # each member a pack writes waits 0.3 s, so a kill lands while an archive is half written
    cluster = start_real_cluster(tmp_path_factory.mktemp("cluster"), 2, preload=[SLOW_PACK])
    try:
        client = wait_for_workers(cluster.address, 2)
        assert set(client.run(slow_pack.is_slowed).values()) == {True}  # the preload ran on every worker
        yield cluster, client
        client.close()
    finally:
        cluster.stop()


def test_batch_on_scheduler_and_two_workers(genomes, real_cluster, tmp_path):
    root, made = genomes
    cluster, client = real_cluster
    out = tmp_path / "out"
    assert main(["batch", str(root), "-o", str(out), "--scheduler", cluster.address, "-q",
                 "--min-group-bases", "0"]) == 0
    assert check_directory(out) == []
    for name, data in made.items():
        assert main(["get", str(out), name, "-o", str(tmp_path / name)]) == 0
        assert (tmp_path / name).read_bytes() == data


def test_killing_a_worker_costs_only_its_task(genomes, real_cluster, tmp_path):
    root, made = genomes
    cluster, client = real_cluster
    out = tmp_path / "out"
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["report"] = run_batch([root], out, client=client, min_group_bases=0)
        except BaseException as exc:  # handed to the test thread
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    victim = None
    deadline = time.monotonic() + 180
    while victim is None and thread.is_alive() and time.monotonic() < deadline:
        for address, keys in client.processing().items():
            if any(str(k).startswith("pack-") for k in keys) and list(out.glob(".group-*.tmp")):
                victim = client.scheduler_info()["workers"][address]["name"]
                break
        time.sleep(0.05)
    assert victim is not None, "no pack task was seen running"
    process = cluster.workers[int(str(victim)[1:])]
    process.kill()
    process.wait()
    thread.join(timeout=300)
    assert "error" not in outcome, outcome.get("error")
    report = outcome["report"]
    assert report.genomes == len(made) and report.groups == 3
    assert len(client.scheduler_info()["workers"]) == 1  # the run finished on the one left
    assert check_directory(out) == []  # and no half-written archive is left
    for name, data in made.items():
        assert read_genome(out, name) == data
