"""helpers/settings.py: every environment variable's name in one place, and the XLA flags built there only."""

from __future__ import annotations

import ast
import re
import subprocess
import sys

from helpers import PROJECT_ROOT, settings
from helpers.settings import XLA_ONE_THREAD_FLAGS, XLA_QUICKER_FLAG, xla_flags

import pytest

NAMES = {value for name, value in vars(settings).items() if name.endswith("_VARIABLE")}
NAMES |= set(settings.QUIET_TENSORFLOW) | set(settings.QUIET_PIP)
CODE_FOLDERS = ("helpers", "tools", "benchmarks")


def test_xla_flags_add_the_quicker_level_unless_one_is_named():
    assert xla_flags() == XLA_QUICKER_FLAG == "--xla_backend_optimization_level=1"
    assert xla_flags("--xla_dump_to=/tmp") == f"--xla_dump_to=/tmp {XLA_QUICKER_FLAG}"
    assert xla_flags("--xla_backend_optimization_level=3") == "--xla_backend_optimization_level=3"
    assert xla_flags(xla_flags()) == xla_flags()  # nothing added twice
    assert xla_flags(quicker=False) == ""


def test_xla_flags_for_side_by_side_kernels_ask_for_one_thread():
    assert xla_flags(quicker=False, one_thread=True) == XLA_ONE_THREAD_FLAGS
    assert "intra_op_parallelism_threads=1" in XLA_ONE_THREAD_FLAGS
    assert xla_flags(one_thread=True) == f"{XLA_ONE_THREAD_FLAGS} {XLA_QUICKER_FLAG}"
    assert xla_flags("--xla_cpu_multi_thread_eigen=true", quicker=False, one_thread=True) == (
        "--xla_cpu_multi_thread_eigen=true")  # the user's choice stands


def test_xla_flags_need_text():
    with pytest.raises(ValueError, match=r"current must be the text of XLA_FLAGS"):
        xla_flags(None)


def test_the_lesson_s_names_are_distinct_and_all_listed():
    lesson = {value for value in NAMES if value.startswith("LESSON_")}
    assert set(settings.LESSON_VARIABLES) == lesson
    assert len(settings.LESSON_VARIABLES) == len(lesson)


def code_files():
    for folder in CODE_FOLDERS:
        yield from sorted((PROJECT_ROOT / folder).glob("*.py"))


def spelled_out(path) -> list[str]:
    """Environment variables' names written as a whole string or as a keyword argument in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in NAMES:
            found.append(f"line {node.lineno}: {node.value!r}")
        elif isinstance(node, ast.keyword) and node.arg in NAMES:
            found.append(f"line {node.value.lineno}: {node.arg}=")
    return found


def test_code_uses_the_constants_not_the_names():
    offenders = {}
    for path in code_files():
        relative = path.relative_to(PROJECT_ROOT).as_posix()
        if relative != "helpers/settings.py" and spelled_out(path):
            offenders[relative] = spelled_out(path)
    assert not offenders, f"import these names from helpers.settings instead: {offenders}"


def test_every_lesson_variable_the_code_mentions_is_in_settings():
    texts = [path for path in code_files()] + sorted((PROJECT_ROOT / "tests").glob("*.py"))
    texts += [PROJECT_ROOT / ".ci" / "run", PROJECT_ROOT / "Makefile"]
    mentioned = {}
    for path in texts:
        if path.is_file():
            for name in re.findall(r"\bLESSON_[A-Z_]+[A-Z]\b", path.read_text(encoding="utf-8")):
                mentioned.setdefault(name, path.relative_to(PROJECT_ROOT).as_posix())
    unknown = {name: where for name, where in mentioned.items()
               if name not in settings.LESSON_VARIABLES and name != "LESSON_VARIABLES"}
    assert not unknown, f"add these to helpers/settings.py (with a comment) or stop using them: {unknown}"


def test_settings_the_configuration_the_set_up_and_the_entry_point_import_only_the_standard_library():
    code = ("import sys; import helpers.settings, helpers.validation, helpers.config, helpers.lesson, helpers.setup\n"
            "import tools.__main__\n"
            "print(sorted(name for name in ('numpy', 'pandas', 'keras', 'tensorflow') if name in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, check=True)
    assert done.stdout.strip() == "[]"
