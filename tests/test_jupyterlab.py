"""The set-up check notebook run the way learners run it: in JupyterLab, in a real (headless) browser.

Every other notebook test drives kernels directly; this one starts JupyterLab from the project's environment
(``sys.executable -m jupyterlab``) on a free port of 127.0.0.1 with a random token, opens a copy of
notebooks/00_setup_check.ipynb (outputs cleared) in headless Chromium, clicks *Run → Run All Cells* and waits
on the kernel's idle state. It then checks that every code cell got an execution count, that no output is an
error or stderr, that a figure rendered and that the check's OK lines are shown.

JupyterLab runs in a temporary folder with its own config, data, runtime, settings and workspace folders, so
the user's Jupyter settings neither leak in nor get written; the committed notebook is never opened. Chromium
and chromedriver come from the system's packages (apt-get install chromium chromium-driver); where they are
missing the test is skipped, unless LESSON_REQUIRE_BROWSER=1 (CI) makes that a failure, as in test_site.py.
On a failure a screenshot, the page's text and JupyterLab's log land in a temporary folder named in the message.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from helpers import PROJECT_ROOT

import nbformat
import pytest

try:
    from helpers.settings import BROWSER_VARIABLE
except ImportError:  # an older settings module
    BROWSER_VARIABLE = "LESSON_REQUIRE_BROWSER"
try:
    from helpers.settings import DATA_VARIABLE, RESULTS_VARIABLE
except ImportError:
    DATA_VARIABLE, RESULTS_VARIABLE = "LESSON_DATA_DIR", "LESSON_RESULTS_DIR"

NOTEBOOK = PROJECT_ROOT / "notebooks" / "00_setup_check.ipynb"
DATA_FOLDER = PROJECT_ROOT / "data"
DATA_FILE = DATA_FOLDER / "weather_prediction_dataset_light.csv"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
OK_LINES = ("Data: OK", "Training: OK", "Plots: OK")

SERVER_START_S = 90  # JupyterLab answering /api/status
PAGE_READY_S = 120  # the notebook shown and its kernel idle (the kernel's first start included)
RUN_ALL_S = 300  # every cell run: the notebook imports TensorFlow and trains for one epoch

# The kernel's state as JupyterLab 4 shows it, in three places that must agree: the notebook toolbar's execution
# indicator (data-status: idle, busy, ...; it says idle before any kernel is connected), its kernel name
# ("No Kernel" until one is chosen) and the status bar's kernel item ("Python 3 (ipykernel) | Idle", which says
# "Initializing" and "Connecting" until the kernel is connected). Any dialog (kernel choice, errors) is returned
# too: nothing should ask the learner anything here.
KERNEL_STATUS_JS = """
const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
const text = element => element ? element.textContent.trim() : null;
return {
  indicator: panel && panel.querySelector('.jp-Notebook-ExecutionIndicator')
             ? panel.querySelector('.jp-Notebook-ExecutionIndicator').getAttribute('data-status') : null,
  name: panel ? text(panel.querySelector('.jp-Toolbar-kernelName')) : null,
  statusbar: text(document.querySelector('#jp-main-statusbar .jp-StatusBar-TextItem[title^="Change kernel"]')),
  dialogs: Array.from(document.querySelectorAll('.jp-Dialog')).map(dialog => dialog.innerText),
};
"""

CELLS_JS = """
const notebook = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
if (!notebook) return null;
return Array.from(notebook.querySelectorAll('.jp-Cell.jp-CodeCell')).map(cell => {
  const prompt = cell.querySelector('.jp-InputArea-prompt');
  return prompt ? prompt.textContent.trim() : '';
});
"""

OUTPUTS_JS = """
const notebook = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
const outputs = Array.from(notebook.querySelectorAll('.jp-OutputArea-output'));
return {
  errors: outputs.filter(o => o.getAttribute('data-mime-type') === 'application/vnd.jupyter.stderr'
                              || o.querySelector('.jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]'))
                 .map(o => o.innerText.slice(0, 2000)),
  figures: Array.from(notebook.querySelectorAll('.jp-OutputArea-output[data-mime-type="image/png"] img'))
                 .map(img => [img.complete, img.naturalWidth, img.naturalHeight]),
  text: outputs.map(o => o.innerText).join('\\n'),
};
"""


def _unavailable(message: str):
    """Skip, or fail where LESSON_REQUIRE_BROWSER=1 (CI) asks for the browser tests to run."""
    if os.environ.get(BROWSER_VARIABLE) == "1":
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, characters: int = 4000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-characters:]
    except OSError:
        return ""


def _clean_copy(target: Path) -> None:
    """The set-up check with its outputs and execution counts cleared: every number and OK line is this run's."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(notebook, target)


@pytest.fixture
def jupyterlab(tmp_path):
    """JupyterLab serving a clean copy of the set-up check from tmp_path; yields (base URL, token, log, folder)."""
    if not (CHROMIUM and CHROMEDRIVER):
        _unavailable("Chromium or chromedriver is missing: apt-get install chromium chromium-driver")
    for module, what in (("jupyterlab", "python3 -m tools setup"), ("selenium", "pip install -e .[docs]")):
        try:
            __import__(module)
        except ImportError:
            _unavailable(f"{module} is not installed in this environment: {what}")
    if not DATA_FILE.is_file():
        _unavailable(f"{DATA_FILE} is missing: the set-up check reads it (copy the file into data/, "
                     "or run the notebook once with internet to download it)")
    root, state = tmp_path / "lab", tmp_path / "jupyter"
    root.mkdir()
    _clean_copy(root / NOTEBOOK.name)
    folders = {name: state / name for name in ("config", "data", "runtime", "settings", "workspaces", "ipython")}
    for folder in folders.values():
        folder.mkdir(parents=True)
    # no "would you like news?" notification over the notebook, no update check
    notification = folders["settings"] / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True)
    notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}), encoding="utf-8")
    token, port = secrets.token_hex(24), _free_port()
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(folders["config"]),
        "JUPYTER_DATA_DIR": str(folders["data"]),
        "JUPYTER_RUNTIME_DIR": str(folders["runtime"]),
        "JUPYTERLAB_SETTINGS_DIR": str(folders["settings"]),
        "JUPYTERLAB_WORKSPACES_DIR": str(folders["workspaces"]),
        "IPYTHONDIR": str(folders["ipython"]),
        "JUPYTER_PLATFORM_DIRS": "1",
        DATA_VARIABLE: str(DATA_FOLDER),  # the conftest points it at an empty temporary folder
        RESULTS_VARIABLE: str(tmp_path / "results"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
        "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
    }
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={folders['settings']}", f"--LabApp.workspaces_dir={folders['workspaces']}",
        "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--ServerApp.terminals_enabled=False", "--LabApp.extension_manager=readonly",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and CI run as root
        command.append("--allow-root")
    log_path = tmp_path / "jupyterlab.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited with {server.returncode}; its log:\n{_tail(log_path)}")
            try:
                request = urllib.request.Request(f"{base}/api/status",
                                                 headers={"Authorization": f"token {token}"})
                with opener.open(request, timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer within {SERVER_START_S} s; its log:\n{_tail(log_path)}")
            time.sleep(0.2)  # polling interval while the server starts, not a wait for the page
        yield base, token, log_path, root
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)


@pytest.fixture
def chromium(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1400,3000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()


def test_the_setup_check_runs_in_jupyterlab(jupyterlab, chromium):
    from selenium.common.exceptions import TimeoutException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    base, token, log_path, _ = jupyterlab
    driver = chromium

    def failure(message: str) -> str:
        """Save a screenshot, the page's text and the server's log; the message says where."""
        evidence = Path(tempfile.mkdtemp(prefix="jupyterlab-test-"))
        try:
            driver.save_screenshot(str(evidence / "screenshot.png"))
            (evidence / "page.txt").write_text(driver.find_element(By.TAG_NAME, "body").text, encoding="utf-8")
        except WebDriverException as error:
            (evidence / "page.txt").write_text(f"no page text: {error}", encoding="utf-8")
        shutil.copy(log_path, evidence / "jupyterlab.log")
        return f"{message}\n(screenshot, page text and JupyterLab's log in {evidence})"

    def wait_for(condition, timeout: float, what: str):
        try:
            return WebDriverWait(driver, timeout, poll_frequency=0.25, ignored_exceptions=(WebDriverException,)
                                 ).until(condition)
        except TimeoutException:
            pytest.fail(failure(f"timed out after {timeout} s waiting for {what}"))

    def kernel_idle() -> bool:
        """Whether a kernel is connected and idle; a dialog fails the test at once instead of at the timeout."""
        status = driver.execute_script(KERNEL_STATUS_JS)
        if status["dialogs"]:
            pytest.fail(failure(f"JupyterLab shows a dialog: {status['dialogs']}"))
        return (status["indicator"] == "idle" and status["name"] not in (None, "", "No Kernel")
                and (status["statusbar"] or "").replace(" ", "").endswith("|Idle"))

    driver.get(f"{base}/lab/tree/{NOTEBOOK.name}?token={token}")
    wait_for(lambda d: d.execute_script(CELLS_JS), PAGE_READY_S, "the notebook's cells")
    wait_for(lambda d: kernel_idle(), PAGE_READY_S, "the kernel to start and be idle")
    prompts = driver.execute_script(CELLS_JS)
    assert all(not any(ch.isdigit() for ch in prompt) for prompt in prompts), failure(
        f"the clean copy shows execution counts before running: {prompts}")

    # Run → Run All Cells, as a person does
    menu = wait_for(expected_conditions.element_to_be_clickable(
        (By.XPATH, "//li[contains(@class, 'lm-MenuBar-item')][.//div[normalize-space()='Run']]")),
        30, "the Run menu")
    menu.click()
    item = wait_for(expected_conditions.element_to_be_clickable(
        (By.XPATH, "//li[contains(@class, 'lm-Menu-item')][.//div[contains(@class, 'lm-Menu-itemLabel')]"
                   "[normalize-space()='Run All Cells']]")), 30, "Run All Cells in the Run menu")
    item.click()

    def finished(d) -> bool:
        shown = d.execute_script(CELLS_JS) or []
        counted = shown and all(prompt.strip("[]: ").isdigit() for prompt in shown)
        return bool(counted) and kernel_idle()

    wait_for(finished, RUN_ALL_S, "every code cell to get an execution count and the kernel to be idle")
    prompts = driver.execute_script(CELLS_JS)
    code_cells = sum(cell.cell_type == "code" for cell in nbformat.read(NOTEBOOK, as_version=4).cells)
    counts = [int(prompt.strip("[]: ")) for prompt in prompts]
    assert counts == list(range(1, code_cells + 1)), failure(f"execution counts {counts}, {code_cells} code cells")

    shown = driver.execute_script(OUTPUTS_JS)
    assert not shown["errors"], failure(f"error or stderr outputs: {shown['errors']}")
    missing = [line for line in OK_LINES if line not in shown["text"]]
    assert not missing, failure(f"the set-up check's lines {missing} are not shown")

    def figure_drawn(d) -> bool:  # an image decodes after it is inserted: wait for it, briefly
        return any(complete and width > 0 for complete, width, _ in d.execute_script(OUTPUTS_JS)["figures"])

    wait_for(figure_drawn, 30, f"a rendered figure (image/png outputs: {shown['figures']})")
