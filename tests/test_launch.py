"""tools/launch.py: a command stopped while it is still importing ends with one line, and otherwise runs as itself."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from helpers import PROJECT_ROOT

import pytest

SLOW_IMPORT = "import time\n(__import__('pathlib').Path(__file__).parent / 'importing').write_text('yes')\ntime.sleep(30)\n"
QUICK = "import sys\ndef main(argv):\n    print('ran with', argv)\n    return 3\n"


def launch(tmp_path, *words):
    return subprocess.Popen([sys.executable, "-m", "tools.launch", *words], cwd=PROJECT_ROOT,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), str(tmp_path)])},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM], ids=["Ctrl-C", "SIGTERM"])
def test_a_command_stopped_while_importing_says_so_in_one_line(tmp_path, number):
    (tmp_path / "slow_module.py").write_text(SLOW_IMPORT, encoding="utf-8")
    process = launch(tmp_path, "slow_module")
    try:
        for _ in range(200):
            if (tmp_path / "importing").exists():
                break
            time.sleep(0.05)
        process.send_signal(number)
        _, err = process.communicate(timeout=15)
    finally:
        process.kill()
    assert process.returncode == 128 + int(number)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1 and "Stopped" in err


def test_once_imported_the_module_runs_with_the_words_and_gives_its_status(tmp_path):
    (tmp_path / "quick_module.py").write_text(QUICK, encoding="utf-8")
    process = launch(tmp_path, "quick_module", "03", "--jobs", "1")
    out, err = process.communicate(timeout=30)
    assert "ran with ['03', '--jobs', '1']" in out and not err and process.returncode == 3


def test_without_a_module_it_says_what_to_name(tmp_path):
    process = launch(tmp_path)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2 and "Name a module" in err
