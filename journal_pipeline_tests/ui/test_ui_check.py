"""The Dagster UI as a user sees it, in headless Chromium: the asset graph, the automation page,
and an asset whose check failed. `make ui-check` runs this module and keeps the screenshots in
docs/screenshots/ (the README shows them); in the suite they go to a temporary folder.

Skips, saying why, when no Chromium or no Playwright is installed (`make ui-check` and CI
install both).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from journal_sandbox.defaults import DEMO_CONFIG

REPO = Path(__file__).resolve().parents[2]
START, DAY = "2026-11-17", "2026-11-19"  # the session's iSeller sandbox has 3 days of history
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMIUM_FLAGS = [  # no network beyond loopback here: Chromium must not try to reach Google
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOAD_TIMEOUT_MS = 30_000


def _chromium() -> str | None:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if Path(configured).exists() else None
    return next((p for p in CHROMIUM_PATHS if Path(p).exists()), shutil.which("chromium"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed: `make install` installs it"
    )
    chromium = _chromium()
    if chromium is None:
        pytest.skip(
            "no Chromium: install Debian's `chromium` package (CI does), or set CHROMIUM_PATH"
        )
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    folder = os.environ.get("UI_CHECK_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def webserver(browser, iseller_sandbox, jurnal_sandbox, tmp_path_factory) -> Iterator[str]:
    """A synced day on a fresh instance, and `dagster-webserver` over it."""
    root = tmp_path_factory.mktemp("ui")
    home = root / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ISELLER_", "JURNAL_"))}
    env.update(iseller_sandbox.env)
    env.update(jurnal_sandbox.env)
    env["DAGSTER_HOME"] = str(home)
    # the partitions start on the sandbox's first day of history, as under `make dev`
    config = root / "demo_config.yaml"
    text = re.sub(r"(?m)^start_date: \S+", f"start_date: {START}", DEMO_CONFIG.read_text())
    # the stock comparison looks back far enough for the sandbox's fixed days, whatever today is
    config.write_text(re.sub(r"(?m)^  comparison_days: \d+", "  comparison_days: 3650", text))
    env["JOURNAL_PIPELINE_CONFIG"] = str(config)
    env["STAGING_DATABASE_URL"] = f"sqlite:///{root / 'staging.db'}"
    sync = subprocess.run(
        [sys.executable, "-m", "journal_pipeline.cli", "sync", "--date", DAY],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # Jurnal has no opening stock here: the stock comparison fails, the day's postings pass
    assert "stock_matches_jurnal" in sync.stdout, sync.stdout + sync.stderr[-2000:]
    port = _free_port()
    log = (root / "webserver.log").open("w")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("dagster-webserver")),
            "-w",
            str(REPO / "workspace.yaml"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        env=env,
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url, server, root / "webserver.log")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _wait_for(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"dagster-webserver stopped: {log.read_text()[-2000:]}")
        try:
            if requests.get(f"{url}/server_info", timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    pytest.fail(f"dagster-webserver did not answer in 120 s: {log.read_text()[-2000:]}")


@pytest.fixture
def page(browser, webserver):
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(LOAD_TIMEOUT_MS)
    yield page
    context.close()


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    # nothing covers the page on a first visit (nux is off in dagster.yaml)
    assert page.get_by_role("dialog").count() == 0, "a dialog covers the page"


def _see(page, text: str, screenshots: Path, exact: bool = True) -> None:
    """Waits until ``text`` is visible; on a time-out keeps what the page showed instead."""
    try:
        page.get_by_text(text, exact=exact).first.wait_for()
    except Exception:
        page.screenshot(path=screenshots / f"not-seen-{text}.png", full_page=True)
        raise


def test_the_asset_graph_shows_the_pipeline(page, webserver, screenshots):
    _open(page, f"{webserver}/asset-groups")
    for group in ("iseller", "accounting", "jurnal", "reconciliation", "stock"):
        _see(page, group, screenshots)
    page.screenshot(path=screenshots / "lineage.png")
    _open(page, f"{webserver}/locations/journal_pipeline/asset-groups/jurnal")
    for asset in ("jurnal_sales_invoices", "jurnal_sales_returns", "jurnal_payment_fees"):
        _see(page, asset, screenshots)
    page.screenshot(path=screenshots / "asset-graph-jurnal.png")


def test_the_automation_page_lists_the_schedules_and_sensors(page, webserver, screenshots):
    _open(page, f"{webserver}/automation")
    for name in ("hourly_today_schedule", "nightly_finalize_schedule", "failed_records_sensor"):
        _see(page, name, screenshots)
    _see(page, "Standard sensor", screenshots)  # the rows have loaded, toggles included
    page.screenshot(path=screenshots / "automation.png")


def test_a_failed_check_is_shown_on_its_asset(page, webserver, screenshots):
    _open(page, f"{webserver}/assets/stock_comparison?view=checks")
    _see(page, "stock_matches_jurnal", screenshots)
    _see(page, "Failed", screenshots, exact=False)
    page.screenshot(path=screenshots / "failed-check.png")
