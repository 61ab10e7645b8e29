"""docs/benchmarks.md and docs/benchmarks.json from the sections of one `make bench` run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.bench.common import SECTIONS, machine_line

MARKDOWN = "benchmarks.md"
JSON = "benchmarks.json"


def previous_sections(out: Path) -> dict[str, Any]:
    """The sections of an earlier report in ``out`` (kept when ``--only`` measures a few)."""
    try:
        return json.loads((out / JSON).read_text(encoding="utf-8")).get("sections", {})
    except (OSError, ValueError):
        return {}


def write(report: dict[str, Any], out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / JSON, out / MARKDOWN
    json_path.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    md_path.write_text(markdown(report), encoding="utf-8")
    return md_path, json_path


def number(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.3g}"
    return str(value)


def verdict(fig: dict[str, Any]) -> str:
    if fig.get("error"):
        return fig["error"]
    if fig.get("passed") is None:
        return ""
    return "pass" if fig["passed"] else "FAIL"


def markdown(report: dict[str, Any]) -> str:
    minutes = report.get("seconds", 0) / 60
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (`{report['command']}`). The emulators serve on loopback: "
        "iSeller's in the measuring process, Jurnal's in a process of its own for the load, "
        "requests and backfill sections (as Jurnal is a server of its own), both in a "
        "process of their own for the hourly section; Jurnal's rate limit on (30 requests a "
        "minute, 1,800 an hour per credential, batches of up to 100 documents) with its "
        "clock scaled as each section says; SQLite staging; Dagster in process as "
        "`journal-pipeline` runs it. Each figure gives min / median / max over the repeats "
        "and passes on its median; every figure in "
        "docs/benchmarks.json carries its command and the machine.",
        "",
        f"Measured {report['date']} (scale {report['scale']}, {report['repeats']} repeat(s)) "
        f"on: {machine_line(report['machine'])}. The run took {minutes:.1f} minutes."
        + (
            f" It measured only {', '.join(report['only'])}; the other sections are kept from "
            "an earlier run, each with its own command and date."
            if report.get("only")
            else ""
        ),
        "",
        "## Targets",
        "",
        "| section | figure | mode | median | target | result |",
        "|---|---|---|---|---|---|",
    ]
    for key in SECTIONS:
        section = report["sections"].get(key)
        if not section:
            continue
        for fig in section["figures"]:
            if fig.get("target"):
                lines.append(
                    f"| {section['title']} | {fig['name']} | {fig.get('mode', '')} "
                    f"| {number(fig.get('median'))} {fig.get('unit', '')} | {fig['target']} "
                    f"| {verdict(fig)} |"
                )
    for key in SECTIONS:
        section = report["sections"].get(key)
        lines += [""]
        if not section:
            lines += [f"## {key}", "", "not measured in this report"]
            continue
        lines += [
            f"## {section['title']}",
            "",
            f"Command: `{section['command']}` (took {section.get('seconds', 0):.0f} s"
            + (f", measured {section['date']}" if section.get("date") else "")
            + ").",
            "",
            "| figure | mode | unit | min | median | max | target | result |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for fig in section["figures"]:
            name = fig["name"] + (f" ({fig['note']})" if fig.get("note") else "")
            lines.append(
                f"| {name} | {fig.get('mode', '')} | {fig.get('unit', '')} "
                f"| {number(fig.get('min'))} | {number(fig.get('median'))} "
                f"| {number(fig.get('max'))} | {fig.get('target', '')} | {verdict(fig)} |"
            )
        if section.get("notes"):
            lines += ["", section["notes"]]
    return "\n".join(lines).rstrip() + "\n"
