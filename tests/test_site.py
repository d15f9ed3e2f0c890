"""tools/site.py: the boxes it makes, and the built website opened in a real headless browser.

The browser test builds the site into _build/ as `python -m tools site` does, serves it on 127.0.0.1 and
visits every page in Chromium from the system's packages (apt-get install chromium chromium-driver).
Where Chromium is missing the test is skipped, unless LESSON_REQUIRE_BROWSER=1 (CI) makes that a failure.
Every page is also checked for accessibility with axe-core (WCAG 2.1 A and AA rules, the copy that the
selenium-axe-python package ships, injected from disk), for alt text on every image, and for code that
fits a 1280 x 900 window without sideways scrolling.
Screenshots of every page land in _build/screenshots/ for a person to look at.
"""

from __future__ import annotations

import functools
import http.server
import importlib.resources
import os
import shutil
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import helpers.results
from helpers import PROJECT_ROOT
from helpers.results import record_result
from tools import site

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

# --- the boxes made from plain notebook Markdown ----------------------------------------------------------


def test_questions_objectives_and_keypoints_become_boxes():
    text = "# 1. Title\n\n**Questions**\n- Why?\n- How,\n  exactly?\n\n**Objectives**\n- Do.\n\nAfter.\n"
    boxed = site.boxed_lists(text)
    assert ":::{admonition} Questions\n:class: tip\n- Why?\n- How,\n  exactly?\n:::" in boxed
    assert ":::{admonition} Objectives\n:class: tip\n- Do.\n:::\n\nAfter." in boxed
    assert site.boxed_lists("## Keypoints\n\n- a\n") == "## Keypoints\n\n- a\n"  # a blank line: not a list under it
    assert site.boxed_lists("## Keypoints\n- a\n- b") == ":::{admonition} Keypoints\n:class: important\n- a\n- b\n:::"


def test_a_quoted_challenge_becomes_a_box_and_other_quotes_stay():
    text = "Before.\n\n> ## Challenge 1: predict\n> What will\n> happen?\n>\n> `code`\n\n> A plain quote.\n"
    boxed = site.challenge_boxes(text)
    assert boxed.startswith("Before.\n\n:::{admonition} Challenge 1: predict\n:class: note\nWhat will\nhappen?\n\n`code`\n:::")
    assert boxed.endswith("\n> A plain quote.\n")
    assert site.challenge_boxes("> ## Predict before you run\n> Guess.") == (
        ":::{admonition} Predict before you run\n:class: hint\nGuess.\n:::")


def test_solutions_fold_and_the_original_is_untouched():
    notebook = new_notebook(cells=[
        new_markdown_cell("# 1. Title"),
        new_markdown_cell("**Solution.** It is 42.", metadata={"tags": ["solution"]}),
        new_code_cell("print(42)", metadata={"tags": ["solution", "nbval-ignore-output"]}),
    ])
    before = nbformat.writes(notebook)
    dressed = site.site_notebook(notebook, "download/01.ipynb")
    assert nbformat.writes(notebook) == before
    assert dressed.cells[1].source.startswith("{download}`Download this notebook <download/01.ipynb>`")
    assert dressed.cells[2].source == "::::{dropdown} Solution\n**Solution.** It is 42.\n::::"
    assert dressed.cells[3].metadata["tags"] == ["solution", "nbval-ignore-output", "hide-cell"]


def test_figure_titles_are_read_from_the_plotting_code():
    assert site.figure_title('ax = plot_history(h, ["rmse"],\n    title="Dense network: RMSE per epoch")') == (
        "Dense network: RMSE per epoch")
    assert site.figure_title('plot(x, title=f"Basel sunshine, {span}: observed and {len(x)} predicted")') == (
        "Basel sunshine, ...: observed and ... predicted")
    assert site.figure_title('ax.set(title="Basel, 2000: sunshine", xlabel="date")') == "Basel, 2000: sunshine"
    assert site.figure_title('title = "By window length"\nax = plot_windows(s, title=title)') == "By window length"
    assert site.figure_title('ax.plot(x)\nax.set_title("A line")\nfig.suptitle("Later")') == "A line"
    assert site.figure_title("ax.plot(x)\nplt.show()") is None
    assert site.figure_title("%matplotlib inline\nplot(title='x')") is None  # IPython syntax: nothing read
    assert site.figure_title("plot(x, title=name)") is None  # a name never assigned a string


def test_a_lesson_helpers_default_title_counts_for_a_figure_drawn_without_one():
    imports = {"comparison_figure": "helpers.results", "other": "matplotlib.pyplot"}
    title = site.figure_title("ax = comparison_figure(table)", imports)
    assert title and title.startswith("Test RMSE per model")
    assert site.figure_title("ax = comparison_figure(table)", {}) is None
    assert site.figure_title("ax = other(table)", imports) is None  # only the lesson's helpers are imported


def _figure_cell(source: str, **metadata):
    png = {"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"},
           "metadata": {}}
    return new_code_cell(source, metadata=metadata, outputs=[nbformat.from_dict(png)])


def test_every_figure_gets_alt_text_for_myst_nb_and_one_without_any_stops_the_build():
    notebook = new_notebook(cells=[
        new_markdown_cell("# 1. Title"),
        _figure_cell('plot(x, title="Sunshine per day")'),
        _figure_cell('plot(x, title="Ignored")', alt="Sunshine per day in 2000, highest in summer"),
        new_code_cell("print(1)"),
    ])
    dressed = site.site_notebook(notebook, "download/01.ipynb")
    alts = [cell.metadata.get("mystnb", {}).get("image", {}).get("alt") for cell in dressed.cells]
    assert alts == [None, None, "Sunshine per day", "Sunshine per day in 2000, highest in summer", None]
    assert "mystnb" not in notebook.cells[1].metadata  # the original is untouched
    notebook.cells.append(_figure_cell("ax.plot(x)"))
    with pytest.raises(SystemExit, match=r"01\.ipynb, cell 4 .*\"alt\" to the cell's metadata"):
        site.site_notebook(notebook, "download/01.ipynb")


def test_the_committed_notebooks_carry_no_website_syntax():
    for path in sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            assert ":::" not in cell.source and "{download}" not in cell.source, path.name
            assert "hide-cell" not in cell.metadata.get("tags", []), path.name


# --- the chart and the episode pages, from the committed results and the manifest ------------------------


def test_draw_chart_draws_the_results_into_a_png(tmp_path, monkeypatch):
    days = pd.date_range("2009-01-01", periods=21, freq="D")
    observed = pd.Series(np.linspace(0, 10, len(days)), index=days)
    monkeypatch.setattr(helpers.results, "observed_sunshine", lambda asked: observed.loc[asked])
    for key, shift in (("persistence", 3.0), ("simple_rnn", 1.0)):
        record_result(key, val_rmse=shift, test_rmse=shift, predictions=observed + shift, dates=days,
                      folder=tmp_path / "results")
    target = tmp_path / "comparison.png"
    site.draw_chart(tmp_path / "results", target)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and target.stat().st_size > 1000
    assert plt.get_fignums() == []  # the figure is closed


def test_draw_chart_without_results_stops_with_what_to_run(tmp_path):
    with pytest.raises(SystemExit, match=r"No results in .*: run the lesson first \(python -m tools lesson\)"):
        site.draw_chart(tmp_path / "results", tmp_path / "comparison.png")
    assert not (tmp_path / "comparison.png").exists()


def test_the_index_holds_the_episode_list_that_stage_replaces_with_the_manifests():
    index = (PROJECT_ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    assert index.count(site.EPISODE_PAGES) == 1, "stage() would leave the glob in docs/index.md"
    toctree = index.split(site.EPISODE_PAGES)[0].rsplit("```{toctree}", 1)[1]
    assert ":caption: Episodes" in toctree


# --- the built site in a browser ------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


class _Page(HTMLParser):
    """The ids and link targets of one HTML page."""

    def __init__(self):
        super().__init__()
        self.ids, self.links = set(), []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.add(attributes["id"])
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])


def _parsed(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def built_site():
    pytest.importorskip("sphinx", reason="the docs extra is not installed: pip install -e .[docs]")
    output = site.BUILD / "html"
    assert site.build(output) == 0, "sphinx-build failed (warnings count as errors); its messages are above"
    return output


def test_every_internal_link_resolves(built_site):
    broken = []
    for page in sorted(built_site.rglob("*.html")):
        for href in _parsed(page).links:
            url, fragment = urldefrag(href)
            if urlparse(href).scheme or href.startswith("mailto:"):
                continue
            target = (page.parent / url).resolve() if url else page
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(built_site)}: {href}")
            elif fragment and target.suffix == ".html" and fragment not in _parsed(target).ids:
                broken.append(f"{page.relative_to(built_site)}: {href} (no such anchor)")
    assert not broken, broken


@pytest.fixture(scope="module")
def browser(built_site):
    if not (CHROMIUM and CHROMEDRIVER):
        message = "Chromium or chromedriver is missing: apt-get install chromium chromium-driver"
        if os.environ.get("LESSON_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # the requests are checked below, not printed
            pass

    handler = functools.partial(Quiet, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)  # axe on the longest page
    yield driver, f"http://127.0.0.1:{server.server_address[1]}/"
    driver.quit()
    server.shutdown()


PAGES = ["index.html", "setup.html", "results.html", "instructors.html", "search.html"] + [
    f"episodes/{path.stem}.html" for path in sorted((PROJECT_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
]


def _figures_in(notebook_path: Path) -> int:
    notebook = nbformat.read(notebook_path, as_version=4)
    return sum("image/png" in output.get("data", {}) for cell in notebook.cells for output in cell.get("outputs", []))


def _solutions_in(notebook_path: Path) -> int:
    return sum("solution" in cell.metadata.get("tags", []) for cell in nbformat.read(notebook_path, as_version=4).cells)


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]  # WCAG 2.1 level A and AA
FOLDED = "article details.sd-dropdown, article details.hide"  # the solutions, folded until a click


@functools.cache
def _axe_script() -> str:
    """axe-core's axe.min.js as the selenium-axe-python package ships it (nothing is fetched)."""
    try:
        return (importlib.resources.files("selenium_axe_python") / "axe-core" / "axe.min.js").read_text("utf-8")
    except ModuleNotFoundError:
        pytest.fail("selenium-axe-python (axe-core for the accessibility check) is missing: pip install -e .[docs]")


def _axe_findings(driver, page: str) -> list[str]:
    """The serious and critical WCAG 2.1 AA violations axe-core finds on the open page, one line per rule."""
    driver.execute_script(_axe_script())
    violations = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
        ".then(results => done(results.violations), error => done([{id: 'axe-error', impact: 'critical',"
        " help: String(error), nodes: []}]));", AXE_TAGS)
    return [
        f"{page}: {rule['id']} ({rule['impact']}): {rule['help']}; "
        + "; ".join(f"{' '.join(node['target'])} {node['html'][:120]!r}" for node in rule["nodes"][:3])
        + (f"; and {len(rule['nodes']) - 3} more" if len(rule["nodes"]) > 3 else "")
        for rule in violations if rule["impact"] in ("serious", "critical")
    ]


def _images_without_alt(driver) -> list[str]:
    """The images on the open page whose alt text is missing, empty, or just their file's name."""
    return driver.execute_script(
        "return Array.from(document.images).filter(image => {"
        "  const alt = (image.getAttribute('alt') || '').trim();"
        "  return !alt || /\\.(png|svg|jpe?g|gif|webp)$/i.test(alt); }).map(image => image.src)")


def _scrolling_code(driver) -> list[str]:
    """The code cells and outputs of the open page that are wider than their box (and so scroll sideways)."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('div.cell_input pre, div.cell_output pre'))"
        ".filter(pre => pre.scrollWidth > pre.clientWidth + 1)"
        ".map(pre => `${pre.scrollWidth} px in ${pre.clientWidth} px: ` + pre.textContent.trim().slice(0, 60))")


@pytest.mark.parametrize("page", PAGES)
def test_page_in_a_real_browser(browser, page):
    driver, base = browser
    driver.get_log("browser")  # forget what earlier pages logged
    driver.set_window_size(1280, 900)
    driver.get(urljoin(base, page))
    assert driver.execute_script("return document.readyState") == "complete"
    errors = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, f"{page}: console errors {errors}"
    broken = driver.execute_script(
        "return Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
    assert not broken, f"{page}: images that did not load: {broken}"
    if page.startswith("episodes/"):
        notebook = PROJECT_ROOT / "notebooks" / Path(page).with_suffix(".ipynb").name
        shown = driver.execute_script("return document.querySelectorAll('article img').length")
        assert shown >= _figures_in(notebook), f"{page}: {shown} figures shown, the notebook has {_figures_in(notebook)}"
        folded = driver.find_elements("css selector", FOLDED)
        assert len(folded) == _solutions_in(notebook), f"{page}: {len(folded)} folded solutions"
        assert not any(element.get_attribute("open") for element in folded), f"{page}: a solution starts open"
    missing = _images_without_alt(driver)
    assert not missing, f"{page}: images without alt text saying what they show: {missing}"
    driver.execute_async_script(  # the solutions are checked too: open them, let their fade-in finish
        f"document.querySelectorAll('{FOLDED}').forEach(d => d.open = true);"
        "Promise.all(document.getAnimations().map(a => a.finished)).then(arguments[arguments.length - 1]);")
    wide = _scrolling_code(driver)
    assert not wide, (f"{page}: code that scrolls sideways at 1280 x 900: {wide}; "
                      "shorten the lines or widen the column in docs/_static/lesson.css")
    findings = _axe_findings(driver, page)
    assert not findings, "accessibility violations (axe-core, WCAG 2.1 AA):\n" + "\n".join(findings)
    driver.execute_script(f"document.querySelectorAll('{FOLDED}').forEach(d => d.open = false)")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(int(height) + 100, 16000))
    screenshots = site.BUILD / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(screenshots / (page.replace("/", "_").replace(".html", ".png"))))
    if page.startswith("episodes/") and _solutions_in(notebook):
        first = driver.find_elements("css selector", FOLDED)[0]
        summary = first.find_element("css selector", "summary")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", summary)
        summary.click()
        assert first.get_attribute("open") is not None, f"{page}: a click did not open the solution"
