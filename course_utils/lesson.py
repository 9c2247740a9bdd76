"""A quiet start for every lesson: TensorFlow loads without its start-up noise.

Every lesson calls :func:`start` first in its setup cell, before it imports Keras or
TensorFlow. On a CPU-only machine, TensorFlow 2.21 otherwise prints, in red, lines
that are not errors and that a newcomer cannot act on:

* ``WARNING: All log messages before absl::InitializeLog() is called ...`` followed by
  ``oneDNN custom operations are on`` and ``Could not find cuda drivers ...``, twice
  (two of TensorFlow's libraries each log once before logging is set up, so
  ``TF_CPP_MIN_LOG_LEVEL`` cannot hide them);
* ``This TensorFlow binary is optimized to use available CPU instructions ...``;
* ``E0000 ... failed call to cuInit: ... UNKNOWN ERROR (303)``. TensorFlow looks for
  a GPU the first time it needs a device, which in a lesson is whatever cell first
  computes something, so this line used to appear in the middle of lessons.

What :func:`start` does, and why each step is safe:

1. It sets ``TF_CPP_MIN_LOG_LEVEL=2`` unless it is set already (your choice wins).
   This hides TensorFlow's C++ INFO and WARNING lines after start-up (for example
   ``Local rendezvous is aborting with status: OUT_OF_RANGE: End of sequence`` at the
   end of every ``tf.data`` epoch). ERROR and FATAL lines still show, and every real
   failure also raises a Python exception with the same message.
2. It imports TensorFlow and lists its devices (this is when it looks for a GPU)
   with the process's C-level stderr (file descriptor 2) sent to a temporary file.
   Afterwards every captured line is written back to stderr *except* the known lines
   above. The cuInit line is dropped only when TensorFlow also said that there is no
   CUDA driver at all (then "no GPU" is the expected answer); on a machine with a
   driver whose GPU fails to start, it is shown. Anything unknown is shown.
3. It hides one Python warning of TensorFlow's: ``... triggered tf.function
   retracing``. It is advice about speed (a new input shape, for example the last,
   smaller batch of a test set, makes TensorFlow build the graph again); results
   are the same. Every other TensorFlow warning still shows.

Only lines that TensorFlow prints while :func:`start` runs are filtered; nothing is
changed for the rest of the session except the two settings above. If a kernel ever
dies while TensorFlow loads, set ``COURSE_TF_VERBOSE=1`` and restart it: then
:func:`start` filters nothing and TensorFlow's own messages show in full.

What remains on purpose: ``remapper failed: ... LeakyReluGrad`` (lesson 04, a
LeakyReLU right after a convolution without batch normalisation) is an ERROR line
from TensorFlow's graph optimiser during training; it skips one speed-up and the
model trains correctly. Hiding it would mean hiding every C++ error during training
(``TF_CPP_MIN_LOG_LEVEL=3``) or switching off oneDNN (1.5 to 4 times slower
training, measured), so the lesson explains it instead.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import tempfile
from collections.abc import Iterator

LOG_LEVEL_ENV = "TF_CPP_MIN_LOG_LEVEL"
VERBOSE_ENV = "COURSE_TF_VERBOSE"

START_UP_NOISE = (
    re.compile(r"WARNING: All log messages before absl::InitializeLog\(\) is called"),
    re.compile(r"^I\d{4} .*\] oneDNN custom operations are on\."),
    re.compile(r"^I\d{4} .*\] Could not find cuda drivers on your machine, GPU will not be used"),
    re.compile(r"^I\d{4} .*cpu_feature_guard\.cc.*\] This TensorFlow binary is optimized"),
    re.compile(r"^To enable the following instructions: .*rebuild TensorFlow with the"),
)
"""Lines TensorFlow prints at start-up on every CPU-only machine (not errors)."""

NO_DRIVER = re.compile(r"\] Could not find cuda drivers on your machine")
CUINIT_FAILED = re.compile(r"^E\d{4} .*\] failed call to cuInit: ")
RETRACING = "triggered tf.function retracing"


def filter_start_up_lines(lines: list[str]) -> list[str]:
    """Return the lines of TensorFlow's start-up output that are worth showing.

    Parameters
    ----------
    lines : list of str
        What TensorFlow wrote to stderr while it loaded, one line each.

    Returns
    -------
    list of str
        The lines that are not known start-up noise, in their order. The ``cuInit``
        error is kept unless TensorFlow also reported that no CUDA driver exists.

    Examples
    --------
    >>> filter_start_up_lines(["I0000 00:00:1.0 1 port.cc:153] oneDNN custom operations "
    ...                        "are on. You may see ...", "something else"])
    ['something else']
    """
    no_driver = any(NO_DRIVER.search(line) for line in lines)
    kept = []
    for line in lines:
        if any(pattern.search(line) for pattern in START_UP_NOISE):
            continue
        if no_driver and CUINIT_FAILED.search(line):
            continue
        kept.append(line)
    return kept


@contextlib.contextmanager
def filtered_stderr() -> Iterator[None]:
    """Send C-level stderr (fd 2) to a temporary file; write back all but known noise.

    Python's own ``sys.stderr`` is flushed first, so nothing written before is lost
    or reordered. In a Jupyter kernel, fd 2 is the kernel's pipe to the notebook,
    and the lines written back land in the running cell as before.
    """
    if os.environ.get(VERBOSE_ENV, "") not in ("", "0"):
        yield
        return
    with contextlib.suppress(AttributeError, ValueError, OSError):
        sys.stderr.flush()
    saved = os.dup(2)
    try:
        with tempfile.TemporaryFile() as capture:
            os.dup2(capture.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
                capture.seek(0)
                text = capture.read().decode("utf-8", errors="replace")
                kept = filter_start_up_lines(text.splitlines())
                if kept:
                    os.write(2, ("\n".join(kept) + "\n").encode())
    finally:
        os.close(saved)


class _DropRetracing(logging.Filter):
    """Drop TensorFlow's 'triggered tf.function retracing' advice, keep everything else."""

    def filter(self, record: logging.LogRecord) -> bool:
        return RETRACING not in record.getMessage()


def start() -> None:
    """Load TensorFlow quietly; call first in a lesson's setup cell (before ``import keras``).

    Sets ``TF_CPP_MIN_LOG_LEVEL=2`` unless already set, imports TensorFlow and finds
    its devices while hiding the known start-up lines, and hides the "tf.function
    retracing" speed advice. Cheap when TensorFlow is loaded already (a second run of
    the setup cell): then there is nothing left to hide. The module's description says
    what is hidden and why.

    Examples
    --------
    >>> from course_utils import lesson
    >>> lesson.start()
    """
    os.environ.setdefault(LOG_LEVEL_ENV, "2")
    with filtered_stderr():
        import tensorflow as tf

        tf.config.list_physical_devices()  # TensorFlow looks for a GPU here, once
    logger = logging.getLogger("tensorflow")
    if not any(isinstance(f, _DropRetracing) for f in logger.filters):
        logger.addFilter(_DropRetracing())
