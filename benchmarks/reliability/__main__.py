"""`python -m benchmarks.reliability [--scale full|ci] [--only NAME]`: run the reliability
scenarios and write docs/reliability.md and docs/reliability.json.

Each scenario module has ``measure(scale) -> Section``; a module that is not there (or fails
to import) is reported as "not measured". With ``--only`` the other sections of an earlier
docs/reliability.json are kept, so one scenario can be measured again on its own.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import sys
import traceback
from datetime import UTC, datetime

from benchmarks.reliability.common import REPO, Section, machine

SCENARIOS = ("faults", "kills", "summary_kills", "concurrency", "outages")
MARKDOWN = REPO / "docs" / "reliability.md"
JSON = REPO / "docs" / "reliability.json"


def measure(name: str, scale: str) -> Section:
    try:
        module = importlib.import_module(f"benchmarks.reliability.{name}")
    except ImportError as exc:
        return Section(name, "", {}, False, f"not measured: {exc}")
    try:
        return module.measure(scale)
    except Exception:  # one scenario's crash must not hide the others' figures
        return Section(
            getattr(module, "TITLE", name),
            f"python -m benchmarks.reliability --scale {scale} --only {name}",
            {},
            False,
            "not measured: the scenario crashed:\n\n```\n" + traceback.format_exc() + "```",
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("full", "ci"), default="full")
    parser.add_argument("--only", choices=SCENARIOS, action="append")
    args = parser.parse_args(argv)
    previous = _previous() if args.only else {}
    report = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "scale": args.scale,
        "machine": machine(),
        "sections": {},
    }
    for name in SCENARIOS:
        if args.only and name not in args.only:
            if name in previous:
                report["sections"][name] = previous[name]
            continue
        print(f"measuring {name} ({args.scale})…", file=sys.stderr, flush=True)
        section = measure(name, args.scale)
        report["sections"][name] = {**dataclasses.asdict(section), "scale": args.scale}
        print(_section_markdown(report["sections"][name]), flush=True)
    JSON.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    MARKDOWN.write_text(markdown(report), encoding="utf-8")
    measured = [s for n, s in report["sections"].items() if not args.only or n in args.only]
    return 0 if all(s["passed"] for s in measured) else 1


def _previous() -> dict:
    try:
        return json.loads(JSON.read_text(encoding="utf-8")).get("sections", {})
    except (OSError, ValueError):
        return {}


def markdown(report: dict) -> str:
    facts = ", ".join(f"{k} {v}" for k, v in report["machine"].items())
    lines = [
        "# Reliability",
        "",
        "Written by `make reliability` (`python -m benchmarks.reliability --scale full`); CI "
        "runs a reduced size (`--scale ci`, journal_pipeline_tests/reliability/). Both "
        "emulators run in the measuring process on loopback; SQLite staging; Dagster runs in "
        "process as `journal-pipeline sync` runs them.",
        "",
        f"Measured {report['date']} on: {facts}.",
    ]
    for name in SCENARIOS:
        section = report["sections"].get(name)
        lines += ["", *(_section_markdown(section) if section else _missing(name)).splitlines()]
    return "\n".join(lines) + "\n"


def _missing(name: str) -> str:
    return f"## {name}\n\nnot measured"


def _section_markdown(section: dict) -> str:
    verdict = "passed" if section["passed"] else "FAILED"
    lines = [f"## {section['title']}: {verdict}", ""]
    if section.get("command"):
        scale = section.get("scale", "")
        lines += [f"Command: `{section['command']}`" + (f" (scale {scale})" if scale else ""), ""]
    if section["figures"]:
        lines += ["| figure | value |", "|---|---|"]
        lines += [f"| {key} | {value} |" for key, value in section["figures"].items()]
        lines.append("")
    if section.get("notes"):
        lines.append(section["notes"])
    return "\n".join(lines).rstrip()


if __name__ == "__main__":
    sys.exit(main())
