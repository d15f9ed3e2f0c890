"""Rules every committed notebook keeps, and the manifest's schedule (the cells' outputs are checked by nbval)."""

from __future__ import annotations

import re

from helpers.config import project_root
from helpers.lesson import EPISODES, PART_LINES, episode, episodes_of, trained_episodes
from tools.notebooks import lesson_notebooks

import nbformat
import pytest

PROJECT_ROOT = project_root()


NOTEBOOKS = lesson_notebooks(PROJECT_ROOT / "notebooks")
RANKING = re.compile(r"\b(sort_values|nsmallest|nlargest|idxmin|idxmax|argmin|argmax|sorted)\(")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_every_ranking_is_made_on_the_validation_year(path):
    """Choosing, ranking or tuning on test scores would make them optimistic: every ranking names validation."""
    notebook = nbformat.read(path, as_version=4)
    rankings = [line.strip() for cell in notebook.cells if cell.cell_type == "code"
                for line in cell.source.splitlines() if RANKING.search(line)]
    on_test = [line for line in rankings if "val" not in line.lower()]
    assert not on_test, f"{path.name} ranks something other than validation scores: {on_test}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_no_output_shows_the_folder_the_lesson_ran_in(path):
    """Outputs are read on the web and compared by nbval: a path of the machine that ran them helps nobody."""
    notebook = nbformat.read(path, as_version=4)
    texts = [str(output) for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    leaking = [text[:120] for text in texts if str(PROJECT_ROOT) in text]
    assert not leaking, f"{path.name} shows the project's folder in an output: {leaking}"


# --- the manifest (helpers/lesson.py) is the one list of episodes, of what is typed live and what is core ------


def test_the_manifest_lists_every_notebook_and_no_other():
    assert [entry.file for entry in EPISODES] == [path.name for path in NOTEBOOKS]
    assert [entry.number for entry in EPISODES] == [path.name[:2] for path in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_live_cells_and_part_agree_with_the_manifest(path):
    entry = episode(path.name[:2])
    snippets = re.findall(r"`([^`]+)`", entry.live)
    cells = nbformat.read(path, as_version=4).cells
    live = [cell.source for cell in cells if "live" in cell.metadata.get("tags", [])]
    missing = [snippet for snippet in snippets if not any(snippet in source for source in live)]
    assert not missing, f"{path.name}: the manifest says these are typed live, but no live cell has them: {missing}"
    unlisted = [source.splitlines()[0] for source in live if not any(snippet in source for snippet in snippets)]
    assert not unlisted, f"{path.name}: live cells that the manifest does not list: {unlisted}"
    first = cells[0].source
    for part, line in PART_LINES.items():
        assert (line in first) == (entry.part == part), f"{path.name} should say it is {entry.part}"


@pytest.mark.parametrize("prefix", ["02", "03", "05", "06"])
def test_learners_predict_before_the_fit_that_teaches(prefix):
    path = next(path for path in NOTEBOOKS if path.name.startswith(prefix))
    cells = nbformat.read(path, as_version=4).cells
    fit = next(index for index, cell in enumerate(cells)
               if cell.cell_type == "code" and re.search(r"\.fit\(|compile_and_fit\(model", cell.source))
    prompts = [cell for cell in cells[:fit] if cell.cell_type == "markdown" and "> ## Predict" in cell.source]
    assert prompts, f"{path.name}: no 'Predict' prompt before its first fit"
    assert "solution" not in prompts[-1].metadata.get("tags", [])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_no_code_line_is_longer_than_88_characters(path):
    """Longer lines scroll sideways on the website."""
    cells = nbformat.read(path, as_version=4).cells
    long = [line for cell in cells if cell.cell_type == "code" for line in cell.source.splitlines() if len(line) > 88]
    assert not long, f"{path.name} has code lines over 88 characters: {long}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_no_live_cell_asks_the_room_to_type_more_than_ten_lines(path):
    for cell in nbformat.read(path, as_version=4).cells:
        if "live" in cell.metadata.get("tags", []):
            typed = [line for line in cell.source.splitlines() if line.strip() and not line.strip().startswith("#")]
            assert len(typed) <= 10, f"{path.name}: a live cell of {len(typed)} lines: {typed[0]!r}"


# the core episodes that train, but 01: it has no earlier model to debrief against (02-06)
CORE_TRAINING = [number for number in episodes_of("core") if number in trained_episodes()[1:]]


@pytest.mark.parametrize("prefix", CORE_TRAINING)
def test_each_core_episode_ends_with_a_debrief_from_the_seed_spread(prefix):
    path = next(path for path in NOTEBOOKS if path.name.startswith(prefix))
    sources = [cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]
    assert any("debrief(" in source for source in sources), f"{path.name} has no debrief"


def test_every_episodes_minutes_add_up_from_typed_lines_exercises_and_explaining():
    from helpers.lesson import EXERCISE_MINUTES

    for path in NOTEBOOKS:
        entry = episode(path.name[:2])
        if entry.part == "before":
            continue
        cells = nbformat.read(path, as_version=4).cells
        typed = sum(1 for cell in cells if "live" in cell.metadata.get("tags", [])
                    for line in cell.source.splitlines() if line.strip() and not line.strip().startswith("#"))
        headings = [line for cell in cells if cell.cell_type == "markdown" for line in cell.source.splitlines()
                    if line.startswith("> ## ")]
        for name in set(entry.in_room):
            found = sum(line.startswith(f"> ## {name}") for line in headings)
            assert found >= entry.in_room.count(name), f"{path.name}: {entry.in_room.count(name)} x {name!r} " \
                                                       f"planned in the room, {found} in the notebook"
        planned = typed + EXERCISE_MINUTES * len(entry.in_room) + entry.explain
        assert planned <= entry.minutes, (f"{path.name}: {typed} typed lines + {len(entry.in_room)} exercises + "
                                          f"{entry.explain} min explaining = {planned} min > {entry.minutes} planned")
        if entry.part == "core":
            assert entry.explain > 0, f"{path.name}: a core episode with no minutes to explain"
            predictions = sum(line.startswith("> ## Predict") for line in headings)
            assert entry.in_room.count("Predict") == predictions, f"{path.name}: every prediction is made in the room"


def debrief_pairs(path) -> set[tuple[str, str]]:
    """Every (model, other) that a notebook's ``debrief(key, [others...])`` calls compare, read with ``ast``."""
    import ast

    pairs = set()
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code" or "debrief(" not in cell.source:
            continue
        tree = ast.parse(cell.source)
        lists = {node.targets[0].id: ast.literal_eval(node.value) for node in ast.walk(tree)
                 if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                 and isinstance(node.value, ast.List)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "debrief":
                key, against = node.args[0], node.args[1]
                others = lists[against.id] if isinstance(against, ast.Name) else ast.literal_eval(against)
                pairs |= {(ast.literal_eval(key), other) for other in others}
    return pairs


def test_the_core_verdicts_that_10_holds_against_the_test_year_are_the_debriefs():
    from helpers.lesson import CORE_VERDICTS

    core = [path for path in NOTEBOOKS if episode(path.name[:2]).part == "core"]
    found = set().union(*(debrief_pairs(path) for path in core))
    assert found == set(CORE_VERDICTS), f"in the debriefs only: {found - set(CORE_VERDICTS)}; " \
                                        f"in CORE_VERDICTS only: {set(CORE_VERDICTS) - found}"


# --- the calibration's seeds are the manifest's, wherever a document names them --------------------------------

SEED_COMMAND = re.compile(r"seed-spread(?P<args>[^\n#`]*)")
STUDY_DOCUMENTS = ("README.md", "instructors.md", "Makefile", "benchmarks/seed_spread.py", "tools/adding.py")


@pytest.mark.parametrize("name", STUDY_DOCUMENTS)
def test_every_study_command_a_document_shows_uses_the_manifests_seeds(name):
    """A command that names seeds must name the manifest's: the held-out seeds with --held-out, the backtest's with
    --year, the calibration's otherwise (a drifted command fails, as '--seeds 11-13 --held-out' once did)."""
    from helpers.lesson import BACKTEST_SEEDS, CALIBRATION_SEEDS, HELD_OUT_SEEDS

    text = (PROJECT_ROOT / name).read_text(encoding="utf-8")
    commands = [match["args"] for match in SEED_COMMAND.finditer(text) if "--seeds" in match["args"]]
    for args in commands:
        seeds = re.search(r"--seeds\s+([0-9][0-9,\- ]*[0-9])", args)
        if seeds is None or "{" in args:
            continue
        expected = HELD_OUT_SEEDS if "--held-out" in args else BACKTEST_SEEDS if "--year" in args else \
            CALIBRATION_SEEDS
        if re.fullmatch(r"[0-9]+-[0-9]+ +[0-9]{2}", seeds[1].strip()):  # a quick look at one notebook: any seeds
            continue
        assert seeds[1].strip() == expected, f"{name}: `seed-spread{args}` names seeds other than the manifest's"


# --- the committed records keep keys and numbers; names come from the manifest when read -------------------------

COPIED = {"model", "name", "episode", "task", "family"}


def test_the_committed_result_files_hold_keys_numbers_and_forecasts_only():
    import json

    from helpers.lesson import MODELS
    from helpers.results import load_results

    paths = sorted((PROJECT_ROOT / "results").glob("*.json"))
    assert paths
    for path in paths:
        record = json.loads(path.read_text(encoding="utf-8"))
        assert record["key"] in MODELS and not COPIED & set(record), f"{path.name} copies the manifest"
    table = load_results(PROJECT_ROOT / "results", task=None).set_index("key")
    assert all(table.loc[key, "model"] == MODELS[key].name and table.loc[key, "episode"] == MODELS[key].episode
               for key in table.index)


@pytest.mark.parametrize("name", ["seed_runs.csv", "seed_runs_held_out.csv", "backtest_runs.csv"])
def test_the_committed_seed_runs_hold_keys_and_numbers_and_read_with_the_manifests_names(name):
    import csv

    from benchmarks.seed_spread import read_runs
    from helpers.lesson import MODELS

    path = PROJECT_ROOT / "benchmarks" / name
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert not COPIED & set(header), f"{name} copies the manifest's {sorted(COPIED & set(header))}"
    runs = read_runs(path)
    assert (runs["model"] == runs["key"].map(lambda key: MODELS[key].name)).all()
    assert (runs["episode"] == runs["key"].map(lambda key: MODELS[key].episode)).all()
