"""The app's HTTP server: one page, one ``POST /predict``, on 127.0.0.1, standard library only.

Why ``http.server``: the app must start with one command, offline, on any laptop where
the course runs, and be testable. Voilà would need a Jupyter kernel per visitor and extra
dependencies; Flask or FastAPI are not course dependencies. The standard library's
``ThreadingHTTPServer`` with a page that POSTs the chosen file with ``fetch()`` needs
nothing else, and the page uses no external scripts, fonts or images.

Routes: ``GET /`` the page; ``GET /health`` ``{"ok": true, "classes": [...]}``;
``POST /predict`` with the photo's bytes as the body (any image type) answers
``{"top": [{"label", "probability"}], "heatmap": "data:image/png;base64,...", "note"}``,
or ``{"error": "..."}`` with status 400 (not an image) or 413 (too large).
"""

from __future__ import annotations

import json
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from course_utils.app.classifier import Classifier

MAX_UPLOAD_BYTES = 40_000_000
"""Largest photo accepted (a 48-megapixel phone JPEG is about 15 MB)."""

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Your image classifier</title>
<style>
 body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}
 #drop{border:3px dashed #888;border-radius:12px;padding:2rem;text-align:center;cursor:pointer}
 #drop.over{background:#eef}
 .bar{background:#3b528b;height:1rem;border-radius:3px}
 td{padding:.25rem .5rem} #error{color:#b2182b;font-weight:bold}
 #heatmap{max-width:256px;display:none;margin-top:1rem;border-radius:6px}
</style></head><body>
<h1>Your image classifier</h1>
<p>Classes: <span id="classes">...</span></p>
<label id="drop" for="photo">Drop a photo here, or click to choose one
 <input type="file" id="photo" accept="image/*" hidden></label>
<p id="status"></p><p id="error"></p>
<table id="labels"></table>
<img id="heatmap" alt="Grad-CAM overlay: where the model looked for its top class">
<p id="legend" hidden>Overlay: Grad-CAM of the top class (bright = counted most for it).</p>
<script>
const $ = (id) => document.getElementById(id);
const esc = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
fetch("health").then((r) => r.json())
  .then((j) => { $("classes").textContent = j.classes.join(", "); });
function show(answer) {
  const rows = answer.top.map((t) =>
    `<tr><td class="label">${esc(t.label)}</td><td>${(100 * t.probability).toFixed(1)}%</td>` +
    `<td style="width:12rem"><div class="bar" style="width:${100 * t.probability}%">` +
    "</div></td></tr>");
  $("labels").innerHTML = rows.join("");
  $("heatmap").src = answer.heatmap;
  $("heatmap").style.display = "block";
  $("legend").hidden = false;
  $("status").textContent = answer.note ? `(the photo was ${answer.note})` : "";
}
async function send(file) {
  $("error").textContent = ""; $("status").textContent = `Classifying ${file.name} ...`;
  try {
    const reply = await fetch("predict", {method: "POST", body: file,
                                           headers: {"Content-Type": "application/octet-stream"}});
    const answer = await reply.json();
    if (!reply.ok) { throw new Error(answer.error || reply.statusText); }
    show(answer);
  } catch (error) { $("status").textContent = ""; $("error").textContent = error.message; }
}
$("photo").addEventListener("change", (e) => { if (e.target.files[0]) send(e.target.files[0]); });
const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over");
  if (e.dataTransfer.files[0]) send(e.dataTransfer.files[0]); });
</script></body></html>
"""


def _handler(classifier: Classifier, log: bool) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "CourseApp/1"

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, value: dict) -> None:
            self._send(status, json.dumps(value).encode(), "application/json")

        def do_GET(self) -> None:
            if self.path in ("/", "/index.html"):
                self._send(HTTPStatus.OK, PAGE.encode(), "text/html; charset=utf-8")
            elif self.path == "/health":
                self._json(HTTPStatus.OK, {"ok": True, "classes": classifier.class_names})
            else:
                self._json(HTTPStatus.NOT_FOUND, {"error": f"no page {self.path}"})

        def do_POST(self) -> None:
            if self.path != "/predict":
                self._json(HTTPStatus.NOT_FOUND, {"error": f"no page {self.path}"})
                return
            try:
                length = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                length = -1
            if length < 0 or length > MAX_UPLOAD_BYTES:
                self.close_connection = True
                self._json(
                    HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                    {"error": f"The photo must be under {MAX_UPLOAD_BYTES // 1_000_000} MB."},
                )
                return
            data = self.rfile.read(length)
            try:
                answer = classifier.predict_bytes(data).as_json()
            except ValueError as error:
                self._json(HTTPStatus.BAD_REQUEST, {"error": f"Cannot use this file: {error}"})
                return
            self._json(HTTPStatus.OK, answer)

        def log_message(self, format: str, *args) -> None:
            if log:
                print(f"{self.address_string()} {format % args}", file=sys.stderr)

    return Handler


def make_server(
    model: str | Path | Classifier, *, host: str = "127.0.0.1", port: int = 8000, log: bool = True
):
    """Build the server (not started): ``server.serve_forever()``, ``server.shutdown()``.

    ``port=0`` picks a free port (``server.server_address[1]`` says which); ``log=False``
    keeps the one line per request off stderr.
    """
    classifier = model if isinstance(model, Classifier) else Classifier(model)
    server = ThreadingHTTPServer((host, port), _handler(classifier, log))
    server.daemon_threads = True
    server.classifier = classifier
    return server


def serve(model: str | Path, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the app until Ctrl-C; print its address on stdout."""
    server = make_server(model, host=host, port=port)
    address = f"http://{host}:{server.server_address[1]}/"
    print(
        f"Your classifier ({', '.join(server.classifier.class_names)}) is at {address}", flush=True
    )
    print("Press Ctrl-C to stop.", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped.", file=sys.stderr)
    finally:
        server.server_close()
