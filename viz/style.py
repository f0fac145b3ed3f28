"""One look for every chart: colour-blind-safe optimizer styles and layout defaults for light and dark themes."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

# Okabe & Ito (2008), "Color Universal Design": distinguishable under the common colour-vision deficiencies.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

# Yellow is kept for "the combination" (the global minima): it is the one Okabe-Ito colour that no path uses.
COMBINATION_COLOR = OKABE_ITO["yellow"]
# Outlines and the start marker: dark enough to read on the pale landscape whatever the app theme.
INK = "#1a1a1a"
# Grey for "no answer" (diverged starts, missing data): neutral on light and dark backgrounds.
NEUTRAL = "#9a9a9a"
# Cells whose run spun off, on heatmaps: a pale vermillion that no step of the Cividis scale comes near.
SPUN_OFF = "#f3b49a"
GRID = "rgba(128, 128, 128, 0.25)"
# A near-white card behind plot areas whose marks must read on both themes (the black SGD line would
# vanish on a dark page): the map is light already, so light cards keep one look on either theme.
CARD = "rgba(255, 255, 255, 0.92)"
TRANSPARENT = "rgba(0, 0, 0, 0)"

# The landscape: pale where the loss is low, slate where it is high, so every path colour stays readable
# on it (the darker Okabe-Ito colours sit on pale valleys, where the paths spend their time).
LANDSCAPE_COLORSCALE = [
    [0.0, "#fbfbf8"],
    [0.25, "#e4e9ee"],
    [0.55, "#b9c4cf"],
    [0.8, "#8797a7"],
    [1.0, "#738394"],
]

DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "6px,3px,2px,3px,2px,3px")
# No "x" (divergence) and no "star" (the combination): those marks mean something else on the map.
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "cross", "triangle-down", "pentagon")
_PATH_COLORS = ("black", "orange", "sky_blue", "bluish_green", "blue", "vermillion", "reddish_purple")


@dataclass(frozen=True)
class OptimizerStyle:
    """How one optimizer is drawn everywhere: colour, line dash, marker symbol and display name."""

    color: str
    dash: str
    symbol: str
    label: str


_KNOWN = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
_LABELS = {"sgd": "SGD", "momentum": "Momentum", "nesterov": "Nesterov", "adagrad": "AdaGrad",
           "rmsprop": "RMSprop", "adam": "Adam", "adamw": "AdamW"}

OPTIMIZER_STYLES: dict[str, OptimizerStyle] = {
    key: OptimizerStyle(OKABE_ITO[_PATH_COLORS[i]], DASHES[i], SYMBOLS[i], _LABELS[key])
    for i, key in enumerate(_KNOWN)
}


def label_for(key: str) -> str:
    """Display name of an optimizer key ("adamw" -> "AdamW"); unknown keys are title-cased."""
    return _LABELS.get(key.lower(), key.replace("_", " ").title())


def style_for(key: str) -> OptimizerStyle:
    """The optimizer's fixed style; an unknown key gets a stable one derived from a hash of its name."""
    known = OPTIMIZER_STYLES.get(key.lower())
    if known is not None:
        return known
    # crc32, not hash(): Python salts str hashes per process, and a colour must not change between reruns.
    h = zlib.crc32(key.encode())
    return OptimizerStyle(OKABE_ITO[_PATH_COLORS[h % 7]], DASHES[(h // 7) % 7], SYMBOLS[(h // 49) % 7],
                          label_for(key))


def styles_for(keys) -> list[OptimizerStyle]:
    """Styles for several paths drawn together: each key's own style, and for a repeated key (two Adam
    runs with different settings) the first palette colour no other path uses, with another dash."""
    keys = list(keys)
    taken = {style_for(k).color for k in keys}
    spare = [OKABE_ITO[name] for name in _PATH_COLORS if OKABE_ITO[name] not in taken]
    seen: dict[str, int] = {}
    out = []
    for key in keys:
        base = style_for(key)
        n = seen.get(key.lower(), 0)
        seen[key.lower()] = n + 1
        if n == 0:
            out.append(base)
            continue
        color = spare.pop(0) if spare else base.color
        out.append(OptimizerStyle(color, DASHES[(DASHES.index(base.dash) + n) % len(DASHES)],
                                  SYMBOLS[(SYMBOLS.index(base.symbol) + n) % len(SYMBOLS)], base.label))
    return out


def rgba(color: str, alpha: float) -> str:
    """'#RRGGBB' with an alpha, as the 'rgba(r, g, b, a)' string Plotly understands."""
    r, g, b = (int(color.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r}, {g}, {b}, {alpha:g})"


@dataclass(frozen=True)
class Sizes:
    """Type and mark sizes, in px; presenter mode scales everything for a projector at the back of a room."""

    font: int
    title: int
    small: int
    line: float
    marker: int
    head: int

    @property
    def scale(self) -> float:
        return self.font / 13


def sizes(presenter: bool = False) -> Sizes:
    """Sizes for the screen (default) or for a projector (`presenter=True`)."""
    if presenter:
        return Sizes(font=19, title=24, small=16, line=3.5, marker=8, head=17)
    return Sizes(font=13, title=16, small=11, line=2.2, marker=5, head=12)


def base_layout(presenter: bool = False, **overrides) -> dict:
    """Layout defaults shared by every figure: transparent backgrounds so the app's light or dark theme
    shows through, neutral grid lines, and no font colour (Streamlit's theme supplies one that fits)."""
    s = sizes(presenter)
    layout = {
        "font": {"size": s.font},
        "title": {"font": {"size": s.title}},
        "paper_bgcolor": TRANSPARENT,
        "plot_bgcolor": TRANSPARENT,
        "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
        "hovermode": "closest",
        # A pale box with dark text is readable on both themes; the default would follow the page colour.
        "legend": {"bgcolor": "rgba(255, 255, 255, 0.75)", "font": {"size": s.small, "color": INK},
                   "bordercolor": GRID, "borderwidth": 1},
        "hoverlabel": {"font": {"size": s.small}},
    }
    layout.update(overrides)
    return layout


def axis_style(presenter: bool = False, **overrides) -> dict:
    """Axis defaults: neutral grid and zero lines that read on light and dark backgrounds."""
    axis = {"gridcolor": GRID, "zerolinecolor": GRID, "linecolor": GRID,
            "tickfont": {"size": sizes(presenter).small}}
    axis.update(overrides)
    return axis
