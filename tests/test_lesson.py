"""lesson.start(): TensorFlow loads without its start-up noise; real messages still show.

Each test runs a fresh Python process, because TensorFlow prints its start-up lines
once per process. The first test also checks that TensorFlow still prints them
without start() on this machine: if it stops, the filter can go.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from course_utils import lesson

TRAIN_TINY_MODEL = """
import keras
import numpy as np
x = np.random.default_rng(0).random((64, 8, 8, 3), dtype="float32")
y = np.arange(64) % 2
model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3, activation="relu"),
                          keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(x, y, epochs=1, verbose=0)

import tensorflow as tf
@tf.function
def double(v):
    return v * 2
for n in range(1, 10):  # a new shape each call: TensorFlow's retracing advice
    double(tf.zeros((n,)))
tf.get_logger().warning("a real warning of TensorFlow's")
print("trained", flush=True)
"""


def run_python(code: str, **env_changes: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL",)}
    env.update(env_changes)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )


@pytest.mark.slow
def test_start_hides_tensorflow_start_up_noise_and_keeps_real_warnings():
    before = run_python(TRAIN_TINY_MODEL)
    assert before.returncode == 0, before.stderr
    assert before.stderr.count("absl::InitializeLog") == 2, (
        "TensorFlow no longer prints its start-up banner twice; check whether "
        "lesson.START_UP_NOISE is still needed\n" + before.stderr
    )
    assert "failed call to cuInit" in before.stderr and "triggered tf.function retracing" in (
        before.stderr
    )

    after = run_python("from course_utils import lesson\nlesson.start()\n" + TRAIN_TINY_MODEL)
    assert after.returncode == 0 and after.stdout == "trained\n", after.stderr
    assert after.stderr.splitlines() == ["WARNING:tensorflow:a real warning of TensorFlow's"], (
        after.stderr
    )


@pytest.mark.slow
def test_unknown_lines_are_written_back_and_verbose_turns_filtering_off():
    code = (
        "import os\nfrom course_utils import lesson\n"
        "with lesson.filtered_stderr():\n"
        "    os.write(2, b'I0000 00:00:1.5 7 port.cc:153] oneDNN custom operations are on. x\\n')\n"
        "    os.write(2, b'E0000 00:00:1.5 7 something.cc:1] a real problem\\n')\n"
        "print('done')\n"
    )
    quiet = run_python(code)
    assert quiet.returncode == 0 and quiet.stdout == "done\n"
    assert quiet.stderr == "E0000 00:00:1.5 7 something.cc:1] a real problem\n"
    verbose = run_python(code, COURSE_TF_VERBOSE="1")
    assert "oneDNN custom operations" in verbose.stderr and "a real problem" in verbose.stderr


def test_cuinit_error_is_hidden_only_when_there_is_no_cuda_driver():
    no_driver = (
        "I0000 00:00:1796154830.400345    6018 cudart_stub.cc:31] Could not find cuda drivers "
        "on your machine, GPU will not be used."
    )
    cuinit = (
        "E0000 00:00:1796154833.991761    6018 cuda_platform.cc:52] failed call to cuInit: "
        "INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)"
    )
    assert lesson.filter_start_up_lines([no_driver, cuinit, "other"]) == ["other"]
    # With a CUDA driver, a GPU that fails to start is a real problem: it is shown.
    assert lesson.filter_start_up_lines([cuinit]) == [cuinit]


def test_start_keeps_the_users_log_level(monkeypatch):
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    lesson.start()  # TensorFlow is loaded already in this process: cheap
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"
    lesson.start()
    import logging

    filters = logging.getLogger("tensorflow").filters
    assert sum(type(f).__name__ == "_DropRetracing" for f in filters) == 1
