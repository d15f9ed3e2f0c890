"""requirements.txt, environment.yml and pyproject.toml agree on what gets installed."""

from __future__ import annotations

import re

from helpers import PROJECT_ROOT
from tools.__main__ import SUPPORTED

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

SUPPORTED_PYTHONS = [f"3.{minor}" for minor in range(SUPPORTED[0][1], SUPPORTED[1][1] + 1)]  # 3.11 .. 3.13


def requirement_lines(lines) -> list[str]:
    """Requirement lines without comments and blank lines (inline comments removed)."""
    kept = []
    for line in lines:
        line = re.sub(r"(^|\s)#.*$", "", str(line)).strip()
        if line:
            kept.append(line)
    return kept


def requirements_txt() -> list[str]:
    return requirement_lines((PROJECT_ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines())


def environment() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text(encoding="utf-8"))


def environment_pip() -> list[str]:
    sections = [entry["pip"] for entry in environment()["dependencies"] if isinstance(entry, dict) and "pip" in entry]
    assert len(sections) == 1, "environment.yml needs exactly one pip: section"
    return requirement_lines(sections[0])


def key(line: str) -> tuple[str, str, str]:
    """(normalised name, specifier, marker): what a requirement line means, whatever its spacing."""
    requirement = Requirement(line)
    return (
        canonicalize_name(requirement.name),
        str(requirement.specifier),
        str(requirement.marker) if requirement.marker else "",
    )


def test_both_files_list_requirements():
    assert len(requirements_txt()) >= 10
    assert len(environment_pip()) >= 10


def test_requirements_and_environment_agree():
    txt = [key(line) for line in requirements_txt()]
    env = [key(line) for line in environment_pip()]
    assert sorted(txt) == sorted(env), (
        f"only in requirements.txt: {sorted(set(txt) - set(env))}; only in environment.yml: {sorted(set(env) - set(txt))}"
    )


def test_the_set_ups_repair_check_reads_every_pin_as_pip_does():
    # tools/__main__.py asks the environment whether it holds these pins (tools.venvs.pins, standard library only)
    from tools.venvs import pins

    read = [(canonicalize_name(name), f"=={version}", marker) for name, version, marker in
            pins(PROJECT_ROOT / "requirements.txt")]
    assert sorted(read) == sorted(key(line) for line in requirements_txt())


@pytest.mark.parametrize("source", ["requirements.txt", "environment.yml"])
def test_every_line_is_pinned_exactly(source):
    lines = requirements_txt() if source == "requirements.txt" else environment_pip()
    for line in lines:
        specifiers = list(Requirement(line).specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", f"{source}: {line!r} is not pinned with =="
        assert "*" not in specifiers[0].version, f"{source}: {line!r} pins a wildcard"


@pytest.mark.parametrize("source", ["requirements.txt", "environment.yml"])
def test_no_package_listed_twice_for_the_same_platform(source):
    lines = requirements_txt() if source == "requirements.txt" else environment_pip()
    seen = [(name, marker) for name, _, marker in map(key, lines)]
    assert len(seen) == len(set(seen))


def test_tensorflow_markers_cover_every_platform_once():
    """Exactly one of tensorflow-cpu / tensorflow installs on each platform."""
    requirements = [Requirement(line) for line in requirements_txt()]
    tensorflows = [r for r in requirements if canonicalize_name(r.name) in ("tensorflow", "tensorflow-cpu")]
    assert {canonicalize_name(r.name) for r in tensorflows} == {"tensorflow", "tensorflow-cpu"}
    assert len({str(r.specifier) for r in tensorflows}) == 1  # same version either way
    platforms = [("linux", "x86_64"), ("linux", "aarch64"), ("darwin", "arm64"), ("win32", "AMD64")]
    for sys_platform, machine in platforms:
        chosen = [r.name for r in tensorflows
                  if r.marker is None or r.marker.evaluate({"sys_platform": sys_platform, "platform_machine": machine})]
        assert len(chosen) == 1, f"{sys_platform}/{machine}: {chosen}"
        expected = "tensorflow-cpu" if (sys_platform, machine) == ("linux", "x86_64") else "tensorflow"
        assert chosen == [expected]


def python_pin() -> str:
    pins = [entry for entry in environment()["dependencies"]
            if isinstance(entry, str) and re.match(r"^python(\s|[=<>!]|$)", entry)]
    assert len(pins) == 1, f"environment.yml must list python once, found {pins}"
    match = re.fullmatch(r"python\s*=+\s*(\d+\.\d+)(\.\d+)?", pins[0].strip())
    assert match, f"environment.yml must pin python to a version, found {pins[0]!r}"
    return match.group(1)


def test_environment_pins_a_supported_python():
    assert python_pin() in SUPPORTED_PYTHONS


def requires_python() -> SpecifierSet:
    text = (PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    import tomllib

    return SpecifierSet(tomllib.loads(text)["project"]["requires-python"])


@pytest.mark.parametrize("version", SUPPORTED_PYTHONS)
def test_requires_python_admits_supported_versions(version):
    specifier = requires_python()
    assert specifier.contains(f"{version}.0") and specifier.contains(f"{version}.9")


def test_requires_python_admits_the_environment_python():
    assert requires_python().contains(f"{python_pin()}.0")


def test_requires_python_excludes_other_pythons():
    assert not requires_python().contains("3.10.14")
    assert not requires_python().contains("3.14.0")


def test_the_supported_range_is_3_11_to_3_13():
    assert SUPPORTED_PYTHONS == ["3.11", "3.12", "3.13"]


def test_every_installed_pin_supports_every_supported_python():
    """Each pinned package installed here declares (Requires-Python) that it runs on 3.11, 3.12 and 3.13."""
    from importlib import metadata

    checked = []
    for line in requirements_txt():
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue  # the other platform's TensorFlow
        try:
            declared = metadata.metadata(requirement.name).get("Requires-Python") or ""
        except metadata.PackageNotFoundError:
            pytest.fail(f"{requirement.name} is pinned but not installed here; run `python -m tools setup`")
        for version in SUPPORTED_PYTHONS:
            assert SpecifierSet(declared).contains(f"{version}.0"), (
                f"{requirement.name} {metadata.version(requirement.name)} requires Python {declared}: not {version}")
        checked.append(requirement.name)
    assert len(checked) >= 10
