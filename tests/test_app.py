"""The app on 127.0.0.1: POST a photo, get the top 3 as JSON and a Grad-CAM picture."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from app_fixtures import CLASSES, colour_photo, export_colour_model, start_app
from PIL import Image

from course_utils.app import PAGE, Classifier


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = export_colour_model(tmp_path_factory.mktemp("app") / "classifier")
    server, url = start_app(folder)
    yield url, folder
    server.shutdown()
    server.server_close()


def post(url: str, data: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(f"{url}/predict", data=data, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.parametrize("channel", [0, 1, 2])
def test_a_photo_gets_its_top_3_and_a_heatmap(app, channel):
    url, _ = app
    status, answer = post(url, colour_photo(channel))
    assert status == 200
    labels = [entry["label"] for entry in answer["top"]]
    assert labels[0] == CLASSES[channel] and sorted(labels) == sorted(CLASSES)
    probabilities = [entry["probability"] for entry in answer["top"]]
    assert probabilities == sorted(probabilities, reverse=True) and probabilities[0] > 0.5
    header, encoded = answer["heatmap"].split(",", 1)
    assert header == "data:image/png;base64"
    overlay = Image.open(io.BytesIO(base64.b64decode(encoded)))
    assert overlay.size == (256, 256) and overlay.mode == "RGB"


def test_not_an_image_gets_a_clear_400(app):
    url, _ = app
    status, answer = post(url, b"hello, not a photo")
    assert status == 400 and "not an image" in answer["error"]
    status, answer = post(url, b"")
    assert status == 400 and "empty" in answer["error"]


def test_the_page_and_health_are_served_without_external_urls(app):
    url, _ = app
    with urllib.request.urlopen(f"{url}/", timeout=10) as reply:
        page = reply.read().decode()
    assert 'type="file"' in page and "fetch(" in page
    assert "http://" not in PAGE and "https://" not in PAGE and "//cdn" not in PAGE
    with urllib.request.urlopen(f"{url}/health", timeout=10) as reply:
        assert json.loads(reply.read())["classes"] == CLASSES


def test_a_model_without_labels_is_refused(tmp_path, app):
    _, folder = app
    (tmp_path / "model.keras").write_bytes((folder / "model.keras").read_bytes())
    with pytest.raises(FileNotFoundError, match="export_model"):
        Classifier(tmp_path)


def test_the_command_serves_and_a_bad_folder_exits_with_an_error(app, tmp_path):
    _, folder = app
    failed = subprocess.run(
        [sys.executable, "-m", "course_utils", "app", "--model", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert failed.returncode == 1 and "error: No model at" in failed.stderr
    with subprocess.Popen(
        [sys.executable, "-m", "course_utils", "app", "--model", str(folder), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            line = process.stdout.readline()
            assert "is at http://127.0.0.1:" in line, process.stderr.read()
            address = line.rsplit(" ", 1)[-1].strip().rstrip("/")
            deadline = time.monotonic() + 30
            status = None
            while status is None and time.monotonic() < deadline:
                try:
                    status, answer = post(address, colour_photo(1))
                except urllib.error.URLError:
                    time.sleep(0.5)
            assert status == 200 and answer["top"][0]["label"] == "green"
        finally:
            process.terminate()
            process.wait(timeout=30)
