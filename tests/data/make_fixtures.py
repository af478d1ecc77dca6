"""Regenerate the small FASTA fixtures of tests/data (deterministic).

Run: .venv/bin/python tests/data/make_fixtures.py
"""

from __future__ import annotations

import gzip
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
rng = random.Random(20261124)


def dna(n: int) -> str:
    return "".join(rng.choice("ACGT") for _ in range(n))


def wrap(s: str, w: int, eol: str = "\n") -> str:
    return "".join(s[i:i + w] + eol for i in range(0, len(s), w))


FIXTURES: dict[str, bytes] = {}
FIXTURES["crlf.fa"] = (">crlf1 CRLF line ends\r\n" + wrap(dna(130), 60, "\r\n")
                       + ">crlf2\r\n" + wrap(dna(70), 60, "\r\n")).encode()
FIXTURES["ragged.fa"] = (">ragged\n" + "\n".join([dna(60), dna(55), dna(61), dna(60), dna(12)])
                         + "\n>ragged2 wrapped\n" + wrap(dna(100), 50)).encode()
FIXTURES["unwrapped.fa"] = (">u1\n" + dna(300) + "\n>u2 second\n" + dna(170) + "\n").encode()
FIXTURES["blank_lines.fa"] = ("\n>b1\n" + wrap(dna(90), 40) + "\n\n>b2\n" + dna(40) + "\n\n"
                              + dna(30) + "\n\n").encode()
FIXTURES["no_final_newline.fa"] = (">nf\n" + wrap(dna(100), 60).rstrip("\n")).encode()
FIXTURES["softmasked.fa"] = (">soft\n" + wrap(dna(50) + dna(40).lower() + dna(30)
                                              + dna(20).lower(), 60)).encode()
FIXTURES["n_runs.fa"] = (">nrun\n" + wrap("N" * 25 + dna(70) + "N" * 100 + dna(40) + "nnnn"
                                          + dna(10) + "N" * 7, 60)).encode()
FIXTURES["iupac.fa"] = (">iupac\n" + wrap(dna(30) + "R" + dna(10) + "YKM" + dna(20) + "SWBDHV"
                                          + dna(5) + "U" + dna(12) + "-*" + dna(9), 40)).encode()
FIXTURES["empty_record.fa"] = (">empty1\n>full\n" + wrap(dna(80), 60) + ">empty2\n").encode()
FIXTURES["duplicate_names.fa"] = (">dup\n" + wrap(dna(70), 60) + ">dup\n" + wrap(dna(70), 60)
                                  + ">dup\n" + wrap(dna(10), 60)).encode()
FIXTURES["not_fasta.bin"] = bytes(rng.randrange(256) for _ in range(200)) + \
    b"\x00\r\n>\x00binary header\r\rtext line, not FASTA at all\n\x1f\x8b\x08"
FIXTURES["bare_sequence.seq"] = dna(400).encode()
FIXTURES["mixed_eol.fa"] = (">mixed\r\n" + dna(60) + "\n" + dna(60) + "\r\n" + dna(60) + "\r"
                            + dna(20) + "\n>m2\n" + dna(30) + "\r\n").encode()
FIXTURES["gt_alone.fa"] = (">\n" + wrap(dna(65), 60) + ">\n>\n").encode()
FIXTURES["protein.fa"] = (b">sp|P69905|HBA_HUMAN Hemoglobin subunit alpha\n"
                          b"MVLSPADKTNVKAAWGKVGAHAGEYGAEALERMFLSFPTTKTYFPHFDLSHGSAQVKGHGKKVADALTNAVAHV\n"
                          b"DDMPNALSALSDLHAHKLRVDPVNFKLLSHCLLVTLAAHLPAEFTPAVHASLDKFLASVSTVLTSKYR\n"
                          b">sp|P68871|HBB_HUMAN Hemoglobin subunit beta\n"
                          b"MVHLTPEEKSAVTALWGKVNVDEVGGEALGRLLVVYPWTQRFFESFGDLSTPDAVMGNPKVKAHGKKVLGAF\n"
                          b"SDGLAHLDNLKGTFATLSELHCDKLHVDPENFRLLGNVLVCVLAHHFGKEFTPPVQAAYQKVVAGVANALAHKYH\n"
                          )


def main() -> None:
    for name, data in FIXTURES.items():
        (HERE / name).write_bytes(data)
    with open(HERE / "softmasked.fa.gz", "wb") as fh, \
            gzip.GzipFile(filename="softmasked.fa", mode="wb", fileobj=fh, mtime=0) as gz:
        gz.write(FIXTURES["softmasked.fa"])


if __name__ == "__main__":
    main()
