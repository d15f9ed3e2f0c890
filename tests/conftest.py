"""Shared fixtures for the unit tests: fake weather files, synthetic daily frames, a local HTTP server.

No test reaches the internet: every test starts with ``helpers.data.DATA_URL`` pointing at a closed
port on 127.0.0.1 and with the data and results folders in a temporary directory.
"""

from __future__ import annotations

import functools
import http.server
import socket
import threading
from pathlib import Path

from helpers.setup import quiet_tensorflow

# as a notebook's set-up does before TensorFlow is imported: its start-up log off, oneDNN off (the same rounding)
quiet_tensorflow()

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import helpers.data  # noqa: E402
from helpers.config import Config, using  # noqa: E402
from helpers.data import BASEL_COLUMNS  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory, monkeypatch):
    """Keep every test off the internet and out of the project's data/ and results/ folders.

    Each test runs with a configuration of its own (``helpers.config.using``); the variables are set too, for
    the kernels and subprocesses a test starts.
    """
    monkeypatch.setattr(helpers.data, "DATA_URL", f"http://127.0.0.1:{closed_port()}/no-internet-in-tests.csv")
    config = Config(results_dir=tmp_path_factory.mktemp("results-dir"), data_dir=tmp_path_factory.mktemp("data-dir"))
    monkeypatch.setenv("LESSON_DATA_DIR", str(config.data_dir))
    monkeypatch.setenv("LESSON_RESULTS_DIR", str(config.results_dir))
    # requests would send 127.0.0.1 through a configured proxy otherwise
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    with using(config):
        yield config


def weather_text(dates=(20000101, 20000102, 20000103, 20000104), extra_columns=(), drop=()) -> str:
    """CSV text shaped like the light weather file: DATE (yyyymmdd), MONTH and the 9 Basel columns."""
    columns = [c for c in ["DATE", "MONTH", *BASEL_COLUMNS, *extra_columns] if c not in drop]
    lines = [",".join(columns)]
    for row, date in enumerate(dates):
        values = []
        for number, column in enumerate(columns):
            if column == "DATE":
                values.append(str(date))
            elif column == "MONTH":
                values.append(str(int(str(date)[4:6]) if str(date).isdigit() else 1))
            else:
                values.append(f"{row + number / 10:.1f}")
        lines.append(",".join(values))
    return "\n".join(lines) + "\n"


@pytest.fixture
def weather_csv(tmp_path):
    """Factory: write a fake weather CSV into tmp_path and return its path."""

    def write(name="weather.csv", text=None, **kwargs) -> Path:
        path = tmp_path / name
        path.write_text(weather_text(**kwargs) if text is None else text, encoding="utf-8")
        return path

    return write


def daily_frame(rows: int = 10, columns=("a", "b"), start: str = "2000-01-01", seed: int = 0) -> pd.DataFrame:
    """Consecutive days in a DATE column plus numeric columns with distinct values."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"DATE": pd.date_range(start, periods=rows, freq="D")})
    for column in columns:
        frame[column] = rng.normal(size=rows).round(3)
    return frame


@pytest.fixture
def make_frame():
    return daily_frame


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002  (keep the test output clean)
        pass

    def do_GET(self):
        self.server.requests.append(self.path)
        super().do_GET()


@pytest.fixture
def http_server(tmp_path_factory):
    """A local HTTP server in a thread serving a folder; yields (folder, base_url, list of request paths)."""
    folder = tmp_path_factory.mktemp("served")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder))
    )
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{server.server_address[1]}", server.requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def closed_url():
    """Factory: a URL on 127.0.0.1 whose port nothing listens on."""
    return lambda name="weather.csv": f"http://127.0.0.1:{closed_port()}/{name}"


@pytest.fixture
def close_figures():
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


# --- the fast lane: `python3 -m tools test --fast` leaves out what starts a kernel, a browser or a training --
SLOW_MODULES = {"test_run_lesson", "test_comparison_after_core_day", "test_colab_check", "test_site",
                "test_jupyterlab", "test_training", "test_baseline"}
SLOW_TESTS = {"test_learner_copy_of_01_runs_once_live_cells_are_filled", "test_jupyter_shows_the_message_without_a_traceback",
              "test_networks_that_did_not_train_fail_every_check"}


def pytest_collection_modifyitems(config, items):
    """Mark as ``slow`` every test that starts a kernel, a browser or trains a network (not in the fast lane)."""
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        if module in SLOW_MODULES or item.originalname in SLOW_TESTS or "notebook_client" in item.name:
            item.add_marker(pytest.mark.slow)
