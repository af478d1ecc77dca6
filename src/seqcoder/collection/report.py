"""What ``seqcoder list`` and ``info`` report about a collection archive, read from its header and
member index alone (no member is decoded).

>>> import tempfile, pathlib
>>> from seqcoder.collection import Collection
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.fa").write_bytes(b">a\\nACGTACGTTTGACCA\\n")
>>> report = CollectionInfo(Collection.create(d / "set.sqcl", [d / "a.fa"])).to_dict(sections=False)
>>> report["kind"], [m["name"] for m in report["member_list"]]
('collection', ['a.fa'])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..reports import SCHEMA_VERSION
from .archive import Collection

_SECTIONS = ("layout", "tokens", "literals")


@dataclass(frozen=True)
class CollectionInfo:
    collection: Collection

    def to_dict(self, *, sections: bool = True, records: bool = False) -> dict[str, Any]:
        """The report of ``list --json`` (``sections`` False) or ``info --json``: the header, and
        every member's sizes; with ``sections``, where its block lies and the bytes of its sections
        (layout, tokens, literals; a raw member has one); with ``records``, every record of every
        member and its length in letters (``list --records``)."""
        c = self.collection
        bases = sum(m.bases for m in c.members)
        report: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION, "file": str(c.path), "kind": "collection",
            "format_version": c.header.version, "level": c.header.level, "max_refs": c.header.max_refs,
            "max_depth": c.header.max_depth}
        if records:
            report["record_list"] = [{"member": member, "record": rid, "length": letters}
                                     for member, rid, letters in c.records()]
            return report
        if not sections:
            report.update({
                "members": len(c.members), "original_bytes": sum(m.original_size for m in c.members),
                "archive_bytes": c.archive_size, "bases": bases,
                "bits_per_base": round(8 * c.archive_size / bases, 6) if bases else None,
                "member_list": [
                    {"name": m.name, "original_bytes": m.original_size, "archive_bytes": m.size, "bases": m.bases,
                     "records": m.records, "literal_bases": m.literals, **_references(c, m),
                     "bits_per_base": round(m.bits_per_base, 6) if m.bases else None, "sha256": m.sha256.hex()}
                    for m in c.members]})
            return report
        sizes = c.section_sizes()
        report.update({
            "match_params": list(c.header.params), "archive_bytes": c.archive_size,
            "section_bytes": {name: sum(s[i] for s in sizes if len(s) == len(_SECTIONS))
                              for i, name in enumerate(_SECTIONS)},
            "member_list": [
                {"name": m.name, "offset": m.offset, "size": m.size, "original_bytes": m.original_size,
                 "sha256": m.sha256.hex(), "kind": m.kind, "bases": m.bases, "literal_bases": m.literals,
                 "literal_level": m.level, "section_bytes": s, **_references(c, m)}
                for m, s in zip(c.members, sizes)]})
        return report


def _references(c: Collection, m: Any) -> dict[str, Any]:
    """What a member is coded against: version 1's count of reference members, version 2's
    parents and pool members (by name)."""
    if c.header.version == 1:
        return {"references": m.refs}
    return {"parents": [c.members[j].name for j in m.parents], "pool": [c.members[j].name for j in m.pool]}
