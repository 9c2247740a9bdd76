"""The app in real Chromium: choose a photo on the page, see a label and the heatmap.

Starts the app on 127.0.0.1, opens its page in Debian's Chromium (Playwright, no browser
download), uploads a photo through the page's file input with ``set_input_files``, and
checks that the top label and the Grad-CAM picture appear; then stops the app. Without
Chromium the test is skipped, or fails under ``COURSE_REQUIRE_BROWSER=1`` (the helpers of
``tests/test_browser.py``).
"""

from __future__ import annotations

import pytest
from app_fixtures import CLASSES, colour_photo, export_colour_model, start_app
from test_browser import browser_context, browser_unavailable, find_chromium  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def running_app(tmp_path_factory):
    if find_chromium() is None:
        browser_unavailable("Chromium not found (Debian: apt-get install chromium)")
    folder = export_colour_model(tmp_path_factory.mktemp("browser-app") / "classifier")
    server, url = start_app(folder)
    yield url
    server.shutdown()
    server.server_close()


def test_uploading_a_photo_shows_a_label_and_the_heatmap(browser_context, running_app, tmp_path):  # noqa: F811
    photo = tmp_path / "blue thing.jpg"
    photo.write_bytes(colour_photo(2))
    page = browser_context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(running_app, wait_until="load")
        page.wait_for_function("document.getElementById('classes').textContent.includes('red')")
        page.set_input_files("#photo", str(photo))
        page.wait_for_selector("#labels td.label", timeout=60_000)
        labels = page.locator("#labels td.label").all_inner_texts()
        assert labels[0] == "blue" and sorted(labels) == sorted(CLASSES)
        page.wait_for_function(
            "(() => { const img = document.getElementById('heatmap');"
            " return img.complete && img.naturalWidth === 256 && img.offsetHeight > 0; })()",
            timeout=30_000,
        )
        assert page.locator("#error").inner_text() == ""
        bad = tmp_path / "notes.txt"
        bad.write_text("not a photo")
        page.set_input_files("#photo", str(bad))
        page.wait_for_function("document.getElementById('error').textContent.length > 0")
        assert "not an image" in page.locator("#error").inner_text()
    finally:
        page.close()
    assert not errors, errors
