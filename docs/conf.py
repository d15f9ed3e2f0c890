"""Sphinx settings for the lesson's website; built by `python -m tools site` from staged copies."""

project = "Advanced layer types: recurrence"
author = "The lesson's authors"
copyright = "the lesson's authors; data by Huber et al., CC-BY-4.0"

extensions = ["myst_nb", "sphinx_design", "sphinx_togglebutton", "sphinx-mathjax-offline"]  # MathJax served with the site, not from a CDN
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3
nb_execution_mode = "off"  # the committed outputs are shown as they are; nothing is run
nb_code_prompt_show = "Show the solution ({type})"
nb_code_prompt_hide = "Hide the solution ({type})"
exclude_patterns = ["_build", "README.md", "episodes/download", "**.ipynb_checkpoints"]
suppress_warnings = ["mystnb.unknown_mime_type"]  # widget and LaTeX views of tables: the HTML view is shown

html_theme = "sphinx_book_theme"
html_title = "Recurrence: predicting tomorrow's sunshine"
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": False,  # each episode has its own download link
    "use_fullscreen_button": False,
}
html_static_path = ["_static"]
html_favicon = "_static/favicon.svg"  # a small sun; without one, browsers ask for /favicon.ico and log a 404
html_context = {"default_mode": "light"}  # the theme logs a console error when no mode is set
html_css_files = ["lesson.css"]  # code that fits at 1280 px, output colours with AA contrast (see the file)
