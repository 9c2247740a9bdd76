"""A slide deck opens in real Chromium with the network blocked, and shows its figure.

nbconvert's own reveal.js slides show a blank page offline (reveal.js, require.js and
MathJax come from CDNs). This test builds a deck from a small lesson made here (with an
executed figure and an explorer's picture), opens the file in Debian's Chromium through
Playwright with every request that is not a ``file:`` or ``data:`` URL aborted, and checks
that reveal.js initialised with more than one slide, that nothing tried the network, and
that the slide with the figure renders an image (``naturalWidth > 0``). A screenshot of
that slide lands in ``build/test-artifacts/slides-figure.png``.

Without Chromium it is skipped with the reason, unless ``COURSE_REQUIRE_BROWSER=1``
(``.ci/run``), which makes it fail; the helpers are those of tests/test_browser.py.
"""

from __future__ import annotations

import json

import pytest
from test_browser import (
    ARTIFACTS,
    REQUIRE_ENV,
    browser_context,  # noqa: F401 - the fixture, shared with the widget test
    browser_unavailable,
    find_chromium,
)
from test_slides import make_lesson, need_assets

from course_utils.instructor import slides

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOAD_MS = 30_000

_STATE_JS = """() => ({
  ready: !!(window.Reveal && Reveal.isReady()),
  total: window.Reveal ? Reveal.getTotalSlides() : 0,
})"""

# Go to the first slide holding an <img>; report its size once it has loaded.
_FIGURE_JS = """() => {
  const slides = Reveal.getSlides();
  const index = slides.findIndex((slide) => slide.querySelector("img"));
  if (index < 0) return {found: false};
  const indices = Reveal.getIndices(slides[index]);
  Reveal.slide(indices.h, indices.v);
  const img = slides[index].querySelector("img");
  return {found: true, complete: img.complete, width: img.naturalWidth,
          shown: img.getBoundingClientRect().width, h: indices.h, v: indices.v};
}"""


def open_offline(browser_context, deck):  # noqa: F811 - the fixture's value
    """Open ``deck`` with every non-file request aborted; return the page and those URLs."""
    page = browser_context.new_page()
    blocked, errors = [], []

    def route(route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(deck.as_uri())
    page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=LOAD_MS, polling=200)
    return page, blocked, errors


def test_a_deck_renders_offline_with_its_figure(browser_context, tmp_path):  # noqa: F811
    need_assets()
    lesson, build = make_lesson(tmp_path)
    report = slides.build_slides([lesson], output=tmp_path / "slides", build=build)
    deck = report.decks[0].path
    page, blocked, errors = open_offline(browser_context, deck)
    try:
        state = page.evaluate(_STATE_JS)
        assert state["ready"] and state["total"] > 1, f"blank deck: {state}"
        figure = page.evaluate(_FIGURE_JS)
        assert figure["found"], "no slide with an <img> in the deck"
        page.wait_for_function(
            "() => [...Reveal.getCurrentSlide().querySelectorAll('img')]"
            ".every((img) => img.complete && img.naturalWidth > 0)",
            timeout=LOAD_MS,
        )
        figure = page.evaluate(_FIGURE_JS)
        page.wait_for_timeout(400)  # the slide transition paints
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / "slides-figure.png"
        page.screenshot(path=str(shot))
        print(f"deck: {state['total']} slides; figure {figure}; screenshot: {shot}")
        assert figure["width"] > 0 and figure["shown"] > 0, f"the figure did not render: {figure}"
        assert page.evaluate("() => Reveal.getCurrentSlide().querySelector('img') !== null")
        assert not blocked, f"the deck tried the network: {blocked}"
        assert not errors, f"JavaScript errors in the deck: {errors}"
    finally:
        page.close()


def test_the_offline_check_catches_a_deck_that_needs_a_cdn(browser_context, tmp_path):  # noqa: F811
    # nbconvert's own template (reveal.js from unpkg through require.js): the same page
    # check must see the blocked requests and a deck that never initialises.
    need_assets()
    import nbformat
    from nbconvert import SlidesExporter

    lesson, build = make_lesson(tmp_path)
    notebook, _ = slides.prepare_lesson(lesson, build=build)
    node = nbformat.reads(json.dumps(notebook), as_version=4)
    body, _ = SlidesExporter().from_notebook_node(node)
    deck = tmp_path / "cdn.slides.html"
    deck.write_text(body, encoding="utf-8")
    page = browser_context.new_page()
    blocked = []
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(("file:", "data:"))
            else (blocked.append(route.request.url), route.abort())
        ),
    )
    try:
        page.goto(deck.as_uri())
        page.wait_for_timeout(3000)
        state = page.evaluate(_STATE_JS)
        assert blocked, "nbconvert's default deck should have tried a CDN"
        assert not state["ready"], "without the CDN nbconvert's deck cannot initialise"
    finally:
        page.close()


def test_without_chromium_the_slides_test_fails_when_required(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_CHROMIUM", str(tmp_path / "no-such-chromium"))
    assert find_chromium() is None
    monkeypatch.setenv(REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="requires the browser test"):
        browser_unavailable("Chromium not found")
