"""The web app end to end in a real headless Chromium: upload, train, generate, download;
and, on a sample shaped like the Atmo export, small-multiple titles that do not overlap.

Runs ``streamlit run datamime/app/main.py`` as a user would and drives it with Playwright and
Debian's Chromium. In CI (``CI=true``) it always runs, so a missing browser fails the
suite; elsewhere it is skipped when Chromium or Playwright is missing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urljoin

import pandas as pd
import pytest

from tests.atmo_like import write_atmo_like
from tests.conftest import REPO
from tests.pixels import title_overflow

IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
CHROMIUM = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
EXAMPLE = REPO / "example.csv"
APP = REPO / "datamime" / "app" / "main.py"
STEPS = 48
pytestmark = pytest.mark.browser  # a real browser: left out of the default run

if not IN_CI:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app_url(tmp_path):
    """A running ``streamlit run datamime/app/main.py``; its URL."""
    port = _free_port()
    log = (tmp_path / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("streamlit did not start:\n"
                            + (tmp_path / "streamlit.log").read_text()[-3000:])
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _settle(page, timeout: float = 120_000) -> None:
    """Wait until the app's script has finished its current run."""
    page.wait_for_timeout(400)
    page.wait_for_function(
        "() => { const a = document.querySelector('[data-testid=\"stApp\"]');"
        " return a && a.getAttribute('data-test-script-state') === 'notRunning'; }",
        timeout=timeout,
    )


@contextlib.contextmanager
def _page(app_url: str):
    """A Chromium page on the app, closed at the end."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=60_000)  # a loaded 2-core machine renders pages in seconds
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            page.goto(app_url)
            yield page
        finally:
            browser.close()


def test_browser_upload_train_generate_download(app_url, tmp_path):
    from playwright.sync_api import expect

    with _page(app_url) as page:
        expect(page.get_by_text("Upload a table in the sidebar")).to_be_visible()

        page.locator('input[type="file"]').set_input_files(str(EXAMPLE))
        expect(page.get_by_role("heading", name="Data exploration")).to_be_visible()
        _settle(page)
        assert page.get_by_text("15 series.", exact=True).count() == 1

        # the smallest budget: 1 epoch (slider to its start), 8 windows
        slider = page.get_by_role("slider")
        slider.focus()
        page.keyboard.press("Home")
        _settle(page)
        page.get_by_text("Advanced").click()
        windows = page.get_by_label("Training windows per epoch")
        windows.fill("8")
        windows.press("Enter")
        _settle(page)
        page.get_by_role("button", name="Train", exact=True).click()
        expect(page.get_by_text("Model trained")).to_be_visible(timeout=120_000)
        expect(page.get_by_text("1 epoch)", exact=False)).to_be_visible()
        _settle(page)

        page.get_by_text("Start date and a number of steps").click()
        _settle(page)
        steps = page.get_by_label("Steps per series")
        steps.fill(str(STEPS))
        steps.press("Enter")
        _settle(page)
        page.get_by_role("button", name="Generate", exact=True).click()
        download = page.get_by_role("button", name="Download CSV")
        expect(download).to_be_visible(timeout=120_000)
        _settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0

        with page.expect_download() as info:
            download.click()
        saved = tmp_path / "downloaded.csv"
        info.value.save_as(saved)
        name = info.value.suggested_filename

    assert name == "example_synthetic.csv"
    table = pd.read_csv(saved, sep=";", dtype={"code_station": str})
    sample = pd.read_csv(EXAMPLE, sep=";", dtype={"code_station": str})
    assert list(table.columns) == list(sample.columns)  # the nom_com carried, in its place
    assert len(table) == 15 * STEPS
    assert table.groupby(["nom_poll", "code_station"]).size().eq(STEPS).all()
    assert pd.api.types.is_integer_dtype(table["valeur"]) and (table["valeur"] >= 0).all()
    assert table["date_debut"].iloc[0] == "17/06/2024 00:00"  # the sample's date format


def test_browser_atmo_like_titles_do_not_overlap(app_url, tmp_path):
    """The small multiples of an export with many fixed columns: titled by the key alone,
    each title within its own panel (read back from the image the browser shows)."""
    from playwright.sync_api import expect

    sample = tmp_path / "atmo_like.csv"
    source = write_atmo_like(sample)
    n_series = len(source.drop_duplicates(["nom_station", "nom_poll"]))
    with _page(app_url) as page:
        page.locator('input[type="file"]').set_input_files(str(sample))
        expect(page.get_by_role("heading", name="Data exploration")).to_be_visible()
        _settle(page)
        assert page.get_by_text(f"{n_series} series.", exact=True).count() == 1
        labels = [t.strip() for t in page.locator(
            '[data-testid="stMain"] [data-testid="stMultiSelect"] label').all_inner_texts()]
        assert labels == ["nom_station", "nom_poll"], labels  # one filter per key column
        grid = page.locator('[data-testid="stMain"] [data-testid="stImage"] img').first
        expect(grid).to_be_visible()
        png = page.request.get(urljoin(app_url + "/", grid.get_attribute("src"))).body()
        page.screenshot(path=str(tmp_path / "atmo_like_app.png"), full_page=True)

    where = title_overflow(png)
    assert where["panels"] == n_series
    assert not where["untitled"], where  # every panel has its title above it
    assert not where["outside"], where  # and no title runs past its panel
