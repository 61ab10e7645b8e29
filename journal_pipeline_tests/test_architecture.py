"""Arrows point one way: the import contracts of `.importlinter` hold (also run by `make lint`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--config", str(ROOT / ".importlinter"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_no_product_module_is_over_about_500_lines():
    sizes = {
        path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in (ROOT / "journal_pipeline").rglob("*.py")
    }
    assert {name: n for name, n in sizes.items() if n > 520} == {}


def test_the_product_wheel_holds_the_product_only():
    import tomllib

    from setuptools import find_packages

    found = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    packages = find_packages(str(ROOT), **found["packages"]["find"])
    assert "journal_pipeline" in packages
    assert [p for p in packages if not p.startswith("journal_pipeline.")] == ["journal_pipeline"]
    assert not any(p.startswith(("journal_sandbox", "journal_pipeline_tests")) for p in packages)
