"""The small app of lesson 09: drop a photo, get the top 3 classes and a Grad-CAM overlay.

Started with one command, from the folder :func:`course_utils.export.export_model`
wrote (``model.keras`` and ``labels.json``)::

    python -m course_utils app --model data/models/own-classifier --port 8000

then open http://127.0.0.1:8000 in a browser. It needs no notebook and no internet: the
page is served by Python's standard ``http.server`` and uses no external files.

* :mod:`~course_utils.app.classifier`: load the exported model, classify photo bytes,
  draw the Grad-CAM overlay;
* :mod:`~course_utils.app.server`: the HTTP server and its one page.
"""

from course_utils.app.classifier import Classifier, Prediction
from course_utils.app.server import PAGE, make_server, serve

__all__ = ["PAGE", "Classifier", "Prediction", "make_server", "serve"]
