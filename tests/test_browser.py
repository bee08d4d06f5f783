"""The browse UI in a real headless Chromium (Debian's /usr/bin/chromium via Playwright).

Without Chromium these tests skip, unless MIGKG_REQUIRE_BROWSER=1 (CI), where a missing
browser is a failure.  Screenshots go to tests/screenshots/ (git-ignored).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from test_ui import start_ui_server

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("MIGKG_CHROMIUM", "/usr/bin/chromium"))  # Debian package path
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).parent / "screenshots"


def _unavailable(reason: str) -> None:
    if os.environ.get("MIGKG_REQUIRE_BROWSER") == "1":
        pytest.fail(f"MIGKG_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(f"{reason} (install Debian's chromium: apt-get install -y chromium)")


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    server = start_ui_server(tmp_path_factory.mktemp("browser"))
    yield server
    server.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    # offline on a fresh machine: any request leaving 127.0.0.1 is a failure
    outside: list[str] = []
    context.route(
        re.compile(r"^(?!https?://127\.0\.0\.1[:/]).*"),
        lambda route: (outside.append(route.request.url), route.abort()),
    )
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert not outside, f"pages fetched outside resources: {outside}"
    assert not errors, f"JavaScript errors: {errors}"


def shot(tab, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_search_entity_and_provenance(live, page):
    page.goto(live.url + "/")
    assert page.title().startswith("Home")
    assert page.locator("h1").inner_text() == "Migration governance knowledge graph"
    shot(page, "home")

    page.fill("#home-search", "cote d'ivoire")
    page.press("#home-search", "Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    first = page.locator("ol.hits li a").first
    assert first.inner_text() == "Côte d'Ivoire"
    shot(page, "search")

    first.click()
    page.wait_for_load_state()
    assert "Côte d'Ivoire" in page.locator("h1").inner_text()
    shot(page, "entity")

    # provenance: the entity page cites the passage it was found in
    passage_link = page.locator("main a[href*='/passage/']").first
    passage_link.click()
    page.wait_for_load_state()
    assert re.search(r"/passage/para-\d$", page.url)
    text = page.locator("main").inner_text()
    assert "IOM assisted" in text or "Staff grew" in text  # the verbatim passage
    shot(page, "provenance")


def test_reading_view_contents_sections_and_passage_round_trip(live, page):
    page.goto(live.url + "/read/doc-a")
    page.click("nav.toc-full >> text=Introduction")
    page.wait_for_url(re.compile(r"/read/doc-a/section/s1$"))
    assert page.locator("#para-1 a.mention").count() == 3
    page.click("nav.section-nav >> a[rel=next] >> nth=0")
    page.wait_for_url(re.compile(r"/section/s2$"))
    assert page.locator("#para-2").is_visible()
    shot(page, "read")

    # passage page -> its place in the reading view (scrolled to, highlighted) -> back
    page.click("#para-2 a.locator")
    page.wait_for_url(re.compile(r"/page/id/document/doc-a/passage/para-2$"))
    page.click("text=Show in the reading view")
    page.wait_for_url(re.compile(r"/read/doc-a/section/s2#para-2$"))
    assert page.evaluate("document.querySelector(':target').id") == "para-2"
    # an old link to a passage on the contents page still lands on the passage
    page.goto(live.url + "/read/doc-a#para-1")
    page.wait_for_url(re.compile(r"/read/doc-a/section/s1#para-1$"))


def test_example_query_runs_in_the_editor(live, page):
    page.goto(live.url + "/query")
    assert page.locator(".editor.enhanced").count() == 1  # the script loaded (locally)
    page.select_option("#example", "countries")
    assert "ont:Country" in page.input_value("#query")
    assert page.locator(".editor-highlight .tok-keyword").count() > 0
    page.click("button:has-text('Run query')")
    page.wait_for_selector("table.results-table")
    cells = page.locator("table.results-table tbody tr").all_inner_texts()
    assert len(cells) == 4 and "Afghanistan" in cells[0]
    assert page.locator("a:has-text('CSV')").get_attribute("href").startswith("/sparql?query=")
    shot(page, "query")


def test_charts_render_and_keyboard_focus_is_visible(live, page):
    page.goto(live.url + "/charts")
    box = page.locator("svg.chart").first.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 150
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    shot(page, "charts")


def test_mobile_layout_has_no_horizontal_scroll(live, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    tab = context.new_page()
    try:
        for path in ("/", "/read/doc-a/section/s1", "/classes/countries", "/query", "/search?q=a"):
            tab.goto(live.url + path)
            overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{path} scrolls sideways by {overflow}px"
        shot(tab, "mobile-read")
    finally:
        context.close()
