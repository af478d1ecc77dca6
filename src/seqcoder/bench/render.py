"""Reports as Markdown tables and plots; ``benchmarks/render_readme.py`` uses the same
formatters for the benchmark tables."""

from __future__ import annotations

import os
from pathlib import Path
from collections.abc import Mapping, Sequence
from typing import Any

from ..extras import require


def fmt_rate(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.3g}" if x < 100 else f"{x:,.0f}"


def fmt_mib(kib: int | None) -> str:
    if kib is None:
        return "–"
    mib = kib / 1024
    return f"{mib / 1024:.1f} GiB" if mib >= 1024 else f"{mib:.0f} MiB" if mib >= 10 else f"{mib:.1f} MiB"


def peak_rss_kib(r: dict) -> int | None:
    vals = [r[s]["peak_rss_kib"] for s in ("compress", "decompress") if r.get(s)]
    return max(vals) if vals else None


def _table_rows(rows: list[dict], *, per_file: bool, report_files: list | None = None) -> list[str]:
    lines = ["| tool | setting | bytes | bpb | compress MB/s | decompress MB/s | peak RSS | round trip |",
             "|---|---|---:|---:|---:|---:|---:|:---:|"]
    okrows = [r for r in rows if r.get("bpb") is not None]
    best = min((r["bpb"] for r in okrows if r.get("ok")), default=None)
    for r in sorted(rows, key=lambda r: (r.get("bpb") is None, r.get("bpb") or 0)):
        bpb = "–" if r.get("bpb") is None else f"{r['bpb']:.4f}"
        if best is not None and r.get("bpb") == best and r.get("ok"):
            bpb = f"**{bpb}**"
        nbytes = "–" if r.get("bytes") is None else f"{r['bytes']:,}"
        comp = (r.get("compress") or {}).get("mb_s")
        dec = (r.get("decompress") or {}).get("mb_s")
        if per_file:
            reason = r.get("reason", "").replace("|", "\\|").replace("\n", " ")
            rt = "computed" if r.get("roundtrip") == "computed" else ("✓" if r["ok"] else "✗ " + reason[:160])
            if r.get("ok") and r.get("verify") == "records":
                rt = "✓ (records)"
        else:
            n_files = len(report_files) if report_files else r.get("files")
            rt = "✓" if r["ok"] and r.get("complete", True) else (
                f"✗ (failed on {r['failed']} of {n_files})" if r.get("failed") else f"ran on {r['files']} of {n_files}")
            if r.get("kind") == "computed":
                rt = "computed"
        setting = f"`{r['setting']}`" if r.get("setting") else ""
        if r.get("input") == "sequence" and r.get("kind") not in ("computed",):
            setting += " (bare sequence)"
        lines.append(f"| {r['tool']} | {setting} | {nbytes} | {bpb} | {fmt_rate(comp)} | {fmt_rate(dec)} "
                     f"| {fmt_mib(peak_rss_kib(r))} | {rt} |")
    return lines


def bpb_cell(row: Mapping[str, Any] | None, best: float | None) -> str:
    """A table cell of bits per base: empty (no row), a cross (failed), bold when the best."""
    if row is None:
        return ""
    if not row["ok"]:
        return "✗"
    text = f"{row['bpb']:.4f}"
    return f"**{text}**" if row["bpb"] == best else text


def bpb_matrix(report: dict, labels: Sequence[str] | None = None) -> list[str]:
    """One row per file, one column per tool/setting; the best in each row in bold."""
    rows = report["rows"]
    if labels is None:
        order = sorted(report["totals"], key=lambda t: (t["bpb"] is None, t["bpb"] or 0))
        labels = [t["label"] for t in order]
    cell = {(r["file"], r["label"]): r for r in rows}
    lines = ["| file | ACGT bases | " + " | ".join(labels) + " |",
             "|---|---:|" + "---:|" * len(labels)]
    for f in report["files"]:
        vals = [cell.get((f["name"], lab)) for lab in labels]
        best = min((v["bpb"] for v in vals if v and v["ok"] and v.get("bpb") is not None), default=None)
        cells = [bpb_cell(v, best) for v in vals]
        lines.append(f"| {f['name']} | {f['bases']:,} | " + " | ".join(cells) + " |")
    tot = {t["label"]: t for t in report["totals"]}
    cells = []
    for lab in labels:
        t = tot.get(lab)
        cells.append("✗" if t is None or t["bpb"] is None else f"{t['bpb']:.4f}")
    total_bases = sum(f["bases"] for f in report["files"])
    lines.append(f"| **total** | {total_bases:,} | " + " | ".join(cells) + " |")
    return lines


def load_warning(report: dict) -> str:
    """Sentences on what may spoil the numbers: a busy machine, code edited during the run."""
    m = report["machine"]
    edited = ""
    end = m.get("seqcoder_source_sha256_end")
    if end and end != m.get("seqcoder_source_sha256"):
        edited = ("**The seqcoder source changed during this run**, so its rows may mix versions "
                  "(a row compressed by one version and decoded by another fails); rerun it. ")
    loads = [x[0] for x in (m.get("loadavg_start"), m.get("loadavg_end")) if x]
    cores = m.get("cores_usable") or m.get("cores") or 1
    if loads and max(loads) > 0.5 * cores + 1.0:
        return edited + (f"The machine was busy with other work (1-minute load average up to "
                         f"{max(loads):.1f} on {cores} cores), so the speeds are pessimistic.")
    return edited.strip()


def render_markdown(report: dict, title: str | None = None) -> str:
    m = report["machine"]
    out = []
    if title:
        out += [f"# {title}", ""]
    out += [f"seqcoder {m['seqcoder_version']}, {m['date']}, {m['cpu']} ({m['cores']} cores), "
            f"Python {m['python']}. Best of {report['settings']['repeat']} run(s); one tool at a time. "
            + load_warning(report),
            "",
            "bpb = 8 × compressed bytes / ACGT bases; MB/s = 10⁶ bases per wall-clock second; peak RSS is "
            "the larger of compression and decompression. Every tool compresses the file as given "
            "(FASTA headers, line ends and case included), so bytes that the peers in ANCHORS.md never "
            "saw are counted here; 2-bit packing is computed, not run.",
            ""]
    totals_rows = report["totals"]
    comp_tot = [t for t in totals_rows]
    # computed rows in totals: use sum of bytes
    if len(report["files"]) > 1:
        bases = sum(f["bases"] for f in report["files"])
        out += [f"## All {len(report['files'])} files ({bases:,} ACGT bases)", ""]
        out += _table_rows(comp_tot, per_file=False, report_files=report["files"])
        out.append("")
        out += ["### Bits per base per file", ""]
        out += bpb_matrix(report)
        out.append("")
    for f in report["files"]:
        rows = [r for r in report["rows"] if r["file"] == f["name"]]
        out += [f"## {f['name']}", "",
                f"{f['size_bytes']:,} bytes, {f['bases']:,} ACGT bases, {f['format']}.", ""]
        out += _table_rows(rows, per_file=True)
        out.append("")
    if report["skipped"]:
        out += ["Skipped: " + "; ".join(f"{s['tool']} ({s['reason']})" for s in report["skipped"]) + ".", ""]
    if report["failures"]:
        out += [f"**{report['failures']} failed row(s)**; see the ✗ marks above.", ""]
    return "\n".join(out)


def render_plots(report: dict, outdir: str | os.PathLike, prefix: str = "bench") -> list[Path]:
    """Bits per base per file and tool (grouped bars) and compress speed vs bpb (log-x)."""
    require("plots", what="seqcoder bench --plots")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    rows = [r for r in report["rows"] if r["ok"] and r.get("bpb") is not None]
    files = [f["name"] for f in report["files"]]
    labels = list(dict.fromkeys(r["label"] for r in rows))
    written = []

    fig_w = 5.0 + 0.16 * len(files) * max(1, len(labels))
    fig, ax = plt.subplots(figsize=(min(max(fig_w, 9.0), 26.0), 5.5))
    width = 0.8 / max(1, len(labels))
    cmap = plt.get_cmap("tab20")
    for j, lab in enumerate(labels):
        xs, ys = [], []
        for i, fn in enumerate(files):
            r = next((r for r in rows if r["file"] == fn and r["label"] == lab), None)
            if r is not None:
                xs.append(i + (j - (len(labels) - 1) / 2) * width)
                ys.append(r["bpb"])
        ax.bar(xs, ys, width=width, label=lab, color=cmap(j % 20))
    ax.set_xticks(range(len(files)))
    ax.set_xticklabels([f if len(f) <= 24 else f[:22] + "…" for f in files], rotation=35 if len(files) > 2 else 0,
                       ha="right" if len(files) > 2 else "center", fontsize=8)
    all_bpb = [r["bpb"] for r in rows]
    if all_bpb:
        ax.set_ylim(max(0.0, min(all_bpb) - 0.1), max(all_bpb) + 0.05)
    ax.axhline(2.0, color="grey", lw=0.8, ls="--")
    ax.set_ylabel("bits per base (lower is better)")
    ax.set_title("Bits per base per file")
    ax.legend(fontsize=7, ncol=2, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    p = outdir / f"{prefix}_bpb.png"
    fig.savefig(p, dpi=110, bbox_inches="tight")
    plt.close(fig)
    written.append(p)

    fig, ax = plt.subplots(figsize=(9, 5.5))
    src = [t for t in report["totals"] if t.get("bpb") is not None and t.get("compress")] \
        if len(files) > 1 else [r for r in rows if r.get("compress")]
    for j, t in enumerate(src):
        mbs = t["compress"]["mb_s"]
        if mbs:
            ax.scatter([mbs], [t["bpb"]], color=cmap(labels.index(t["label"]) % 20 if t["label"] in labels else j),
                       s=40, zorder=3)
            # alternate above/below so neighbours with equal speed and size stay legible
            ax.annotate(t["label"], (mbs, t["bpb"]), fontsize=7, xytext=(5, 4 if j % 2 == 0 else -10),
                        textcoords="offset points")
    ax.set_xscale("log")
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}" if f"{v:g}".lstrip("0.")[:1] in ("2", "5")
                                               else ""))
    ax.margins(x=0.15, y=0.08)
    ax.set_xlabel("compression speed, MB/s (10⁶ bases/s, log scale)")
    ax.set_ylabel("bits per base" + (" (all files)" if len(files) > 1 else f" ({files[0]})" if files else ""))
    ax.set_title("Compression speed vs bits per base")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    p = outdir / f"{prefix}_speed.png"
    fig.savefig(p, dpi=110, bbox_inches="tight")
    plt.close(fig)
    written.append(p)
    return written
