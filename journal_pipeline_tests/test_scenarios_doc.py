"""docs/scenarios.md names the test that shows each scenario: every one it names exists, so a
renamed or removed test cannot leave the matrix pointing at nothing."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).parent
MATRIX = TESTS.parent / "docs" / "scenarios.md"
CITED = re.compile(r"`([\w/]+\.py)::(test_\w+)`")


def test_every_test_the_scenario_matrix_names_exists():
    cited = CITED.findall(MATRIX.read_text(encoding="utf-8"))
    assert len(cited) > 100  # the matrix cites its tests in this form
    missing = [
        f"{path}::{name}"
        for path, name in cited
        if not (TESTS / path).is_file()
        or not re.search(rf"^def {name}\(", (TESTS / path).read_text(encoding="utf-8"), re.M)
    ]
    assert missing == []
