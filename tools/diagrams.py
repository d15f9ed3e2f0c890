"""Draw the lesson's diagrams with matplotlib into notebooks/figures/ (small SVG files, committed).

Usage:
    python -m tools.diagrams            # rewrites every diagram; the notebooks show them as Markdown images

The files are drawn the same way every time (no dates in them, fixed ids), so `git diff` shows only real
changes, and a test checks that the committed files are what this script draws.
"""

from __future__ import annotations

import io
import sys

import matplotlib

matplotlib.use("Agg")
from helpers import PROJECT_ROOT  # noqa: E402
from helpers.plotting import PALETTE  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

FIGURES = PROJECT_ROOT / "notebooks" / "figures"
BLUE, ORANGE, GREEN, RED, PURPLE = PALETTE[:5]  # seaborn's colour-blind-safe colours, as in the plots


def _box(ax, x, y, text, colour, width=1.0, height=0.6, size=11):
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.05",
                                facecolor=colour, edgecolor="black", alpha=0.85))
    ax.text(x, y, text, ha="center", va="center", fontsize=size)


def _arrow(ax, start, end, colour="black", style="-|>", width=1.2):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=12, color=colour, linewidth=width))


def window_alignment():
    """Days t-30 .. t-1 as one sample's input, day t as its target; the next sample one day later."""
    fig, ax = plt.subplots(figsize=(10, 2.6))
    for row, shift, label in ((1.2, 0, "sample 1"), (0, 1, "sample 2")):
        for day in range(30):
            ax.add_patch(plt.Rectangle((day + shift, row), 0.85, 0.7, facecolor=BLUE, alpha=0.55))
        ax.add_patch(plt.Rectangle((30 + shift + 0.6, row), 0.85, 0.7, facecolor=ORANGE))
        ax.text(-0.6, row + 0.35, label, ha="right", va="center", fontsize=10)
        _arrow(ax, (30 + shift - 0.1, row + 0.35), (30 + shift + 0.55, row + 0.35))
    ax.text(15, 2.2, "input: 30 days × 9 measurements (days t−30 … t−1)", ha="center", fontsize=10)
    ax.text(31.1, 2.2, "target: sunshine\non day t", ha="center", fontsize=10)
    ax.set(xlim=(-6, 34), ylim=(-0.3, 2.8), title="How a 30-day window lines up with the day it predicts")
    ax.axis("off")
    return fig


def lstm_cell():
    """The LSTM cell: the cell state's lane, the three gates and the candidate, with their equations."""
    fig, ax = plt.subplots(figsize=(10, 5.4))
    _arrow(ax, (0.2, 4), (9.6, 4), width=2)  # the cell state's lane
    ax.text(0.2, 4.25, r"$c_{t-1}$", fontsize=13)
    ax.text(9.2, 4.25, r"$c_t$", fontsize=13)
    _box(ax, 2.3, 4, r"$\times$", "white", width=0.5, height=0.5, size=13)
    _box(ax, 5.0, 4, r"$+$", "white", width=0.5, height=0.5, size=13)
    _box(ax, 5.0, 3.0, r"$\times$", "white", width=0.5, height=0.5, size=13)
    _box(ax, 7.6, 2.9, r"$\tanh$", "white", width=0.7, height=0.5, size=11)
    _box(ax, 8.6, 2.0, r"$\times$", "white", width=0.5, height=0.5, size=13)
    gates = [(2.3, r"forget $f_t$", BLUE), (4.0, r"input $i_t$", GREEN),
             (6.0, r"candidate $g_t$", ORANGE), (8.0, r"output $o_t$", PURPLE)]
    for x, name, colour in gates:
        _box(ax, x, 1.0, name, colour, width=1.5, height=0.6, size=10)
    _arrow(ax, (2.3, 1.3), (2.3, 3.75))
    _arrow(ax, (4.0, 1.3), (4.85, 2.8))
    _arrow(ax, (6.0, 1.3), (5.15, 2.8))
    _arrow(ax, (5.0, 3.25), (5.0, 3.75))
    _arrow(ax, (7.6, 4), (7.6, 3.15))
    _arrow(ax, (7.9, 2.7), (8.4, 2.15))
    _arrow(ax, (8.0, 1.3), (8.45, 1.8))
    _arrow(ax, (8.85, 2.0), (9.6, 2.0))
    ax.text(9.65, 2.0, r"$h_t$", fontsize=13, va="center")
    ax.text(0.2, 0.15, r"each gate reads $x_t$ and $h_{t-1}$", fontsize=10)
    equations = "\n".join([
        r"$f_t = \sigma(x_t W_f + h_{t-1} U_f + b_f)$",
        r"$i_t = \sigma(x_t W_i + h_{t-1} U_i + b_i)$",
        r"$o_t = \sigma(x_t W_o + h_{t-1} U_o + b_o)$",
        r"$g_t = \tanh(x_t W_g + h_{t-1} U_g + b_g)$",
        r"$c_t = f_t \odot c_{t-1} + i_t \odot g_t$",
        r"$h_t = o_t \odot \tanh(c_t)$",
    ])
    ax.text(10.3, 2.5, equations, fontsize=11, va="center", linespacing=1.8)
    ax.set(xlim=(0, 14.5), ylim=(0, 4.8), title="Inside one LSTM step: the gates and the cell state")
    ax.axis("off")
    return fig


def causal_convolution():
    """Three causal convolutions of width 3 with dilations 1, 2 and 4: what the last day's output sees."""
    fig, ax = plt.subplots(figsize=(10, 3.8))
    days = 16
    layers = [("input days", None), ("dilation 1", 1), ("dilation 2", 2), ("dilation 4", 4)]
    seen = {days - 1}
    reach = [seen]
    for _, rate in reversed(layers[1:]):  # walk down from the output: which positions feed the last day
        seen = {position - step * rate for position in seen for step in range(3) if position - step * rate >= 0}
        reach.append(seen)
    reach = list(reversed(reach))  # reach[level] = positions at that level that reach the last output
    for level, (name, rate) in enumerate(layers):
        ax.text(-1, level, name, ha="right", va="center", fontsize=10)
        for position in range(days):
            used = position in reach[level]
            ax.plot(position, level, "o", color=ORANGE if used else "0.8", markersize=9, zorder=3)
        if rate is None:
            continue
        for position in reach[level]:
            for step in range(3):
                source = position - step * rate
                if source >= 0:
                    ax.plot([source, position], [level - 1, level], color=BLUE, linewidth=1)
    ax.text(days - 1, len(layers) - 0.55, "last day's output", ha="center", fontsize=10)
    ax.set(xlim=(-5, days), ylim=(-0.6, len(layers)), title="Causal, dilated convolutions: the last output sees 15 days, never a later one")
    ax.axis("off")
    return fig


def self_attention():
    """Every day compares its query with every day's key; the last day's weights drawn as line widths."""
    fig, ax = plt.subplots(figsize=(10, 3.4))
    days = 10
    weights = [0.02, 0.02, 0.03, 0.03, 0.04, 0.05, 0.08, 0.12, 0.21, 0.40]  # an illustration, not a trained model
    for day in range(days):
        ax.plot(day, 0, "o", color=BLUE, markersize=12, zorder=3)
        ax.text(day, -0.35, f"day {day - days}" if day < days - 1 else "last day", ha="center", fontsize=9)
        ax.plot([day, days - 1], [0, 1.6], color=ORANGE, linewidth=0.5 + 12 * weights[day], alpha=0.8)
    ax.plot(days - 1, 1.6, "s", color=ORANGE, markersize=12, zorder=3)
    ax.text(days - 1 + 0.3, 1.6, "query of the last day:\nhow much each day's value counts", va="center", fontsize=10)
    ax.text(-0.5, 1.2, "no order in the mechanism itself:\nposition vectors say which day is which", fontsize=10)
    ax.set(xlim=(-1, days + 4), ylim=(-0.7, 2.1), title="Self-attention: the last day weighs every day of the window")
    ax.axis("off")
    return fig


STATIONS = {  # approximate positions (degrees north, degrees east) of the light dataset's stations
    "BASEL": (47.56, 7.59), "DE_BILT": (52.10, 5.18), "DRESDEN": (51.05, 13.74), "DUSSELDORF": (51.23, 6.78),
    "HEATHROW": (51.47, -0.45), "KASSEL": (51.31, 9.48), "MAASTRICHT": (50.85, 5.69), "MALMO": (55.60, 13.00),
    "MUENCHEN": (48.14, 11.58), "SONNBLICK": (47.05, 12.96), "TOURS": (47.39, 0.69),
}


def stations_map():
    """The eleven stations by longitude and latitude, Basel highlighted, the usual westerly flow drawn in."""
    fig, ax = plt.subplots(figsize=(7, 6))
    for name, (north, east) in STATIONS.items():
        basel = name == "BASEL"
        ax.plot(east, north, "*" if basel else "o", color=ORANGE if basel else BLUE, markersize=16 if basel else 8)
        below = name in ("MAASTRICHT", "SONNBLICK")  # their labels would cover a neighbour's
        ax.text(east + 0.3, north - 0.6 if below else north + 0.2, name.title().replace("_", " "), fontsize=10,
                weight="bold" if basel else "normal")
    _arrow(ax, (-2.5, 45.5), (2.5, 46.5), colour=GREEN, width=2)
    ax.text(-2.5, 45.0, "weather mostly\narrives from the west", fontsize=10, color="black")
    ax.set(xlim=(-3.5, 17), ylim=(44, 57), xlabel="longitude (degrees east)", ylabel="latitude (degrees north)",
           title="The eleven stations of the light dataset", aspect=1.4)
    ax.grid(color="0.9")
    return fig


DIAGRAMS = {
    "window_alignment.svg": window_alignment,
    "lstm_cell.svg": lstm_cell,
    "causal_convolution.svg": causal_convolution,
    "self_attention.svg": self_attention,
    "stations_map.svg": stations_map,
}


def draw(name: str) -> str:
    """The SVG text of one diagram, the same on every run."""
    with plt.rc_context({"svg.hashsalt": "lesson", "svg.fonttype": "path"}):
        figure = DIAGRAMS[name]()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
        plt.close(figure)
    return buffer.getvalue()


def main() -> int:
    FIGURES.mkdir(parents=True, exist_ok=True)
    for name in DIAGRAMS:
        (FIGURES / name).write_text(draw(name), encoding="utf-8")
        print("drawn:", FIGURES / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
