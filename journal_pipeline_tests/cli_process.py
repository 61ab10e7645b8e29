"""`journal-pipeline` run as a user runs it: a process of its own with its environment."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path


def run_cli(
    args: Sequence[str], env: Mapping[str, str], cwd: Path | str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "journal_pipeline.cli", *args],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
