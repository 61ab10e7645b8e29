"""`make bench` at CI size (`python -m benchmarks.bench --scale ci --repeats 1 --out DIR`):
both report files are written, every section is there, and every figure carries its command,
the machine and min/median/max (or says why it is not available). No figure is judged by its
speed here: the speeds are what docs/benchmarks.md reports."""

from __future__ import annotations

import json

import pytest

from benchmarks.bench.__main__ import main
from benchmarks.bench.common import SECTIONS

pytestmark = pytest.mark.e2e

#: Figures of the per-order mode that must be measured on the sandboxes (not "not available";
#: a load efficiency needs more than 30 requests, more than CI-sized data makes)
MEASURED = {
    "load": ("share of requests answered 429", "documents per minute (Jurnal's clock)"),
    "requests": ("Jurnal requests per 1,000 orders",),
    "backfill": ("wall time at the scaled clock", "projected wall time, real clock"),
}


def test_the_ci_sized_bench_writes_every_section_with_every_figure_complete(tmp_path):
    assert main(["--scale", "ci", "--repeats", "1", "--out", str(tmp_path)]) == 0

    markdown = (tmp_path / "benchmarks.md").read_text(encoding="utf-8")
    report = json.loads((tmp_path / "benchmarks.json").read_text(encoding="utf-8"))
    assert report["scale"] == "ci" and report["repeats"] == 1
    assert set(report["sections"]) == set(SECTIONS)
    for key in SECTIONS:
        section = report["sections"][key]
        assert f"## {section['title']}" in markdown
        assert (
            section["command"] == f"python -m benchmarks.bench --scale ci --repeats 1 --only {key}"
        )
        assert section["figures"], key
        for fig in section["figures"]:
            assert fig["command"].startswith("python ")
            assert {"cpu", "cores", "memory_gib", "python", "dagster"} <= set(fig["machine"])
            assert {"min", "median", "max", "target", "passed"} <= set(fig)
            if fig["error"] is None:
                assert fig["min"] <= fig["median"] <= fig["max"], fig
            else:
                assert fig["error"].startswith("not available: "), fig
                assert fig["error"] in markdown

    per_order = {
        (key, fig["name"]): fig
        for key in MEASURED
        for fig in report["sections"][key]["figures"]
        if fig["mode"] == "per_order"
    }
    for key, names in MEASURED.items():
        for name in names:
            fig = per_order[(key, name)]
            assert fig["error"] is None and fig["values"], fig
    # the naive baseline (one request per invoice and per payment) is computed on the same data
    requests = report["sections"]["requests"]["figures"]
    naive = next(f for f in requests if f["name"].startswith("naive baseline"))
    assert naive["median"] >= 1000  # at least one request per order
