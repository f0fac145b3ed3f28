"""One look for every chart: colour-blind-safe optimizer styles and layout defaults for light and dark themes."""

from __future__ import annotations

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
# What a path or a contour line is drawn on: any colour of the landscape, and the loss plot's white card.
PLOT_BACKGROUNDS = (*(color for _, color in LANDSCAPE_COLORSCALE), "#ffffff")
# WCAG 2.2's least contrast for the lines a chart is read by (1.4.11, non-text contrast) and for text (1.4.3).
LINE_CONTRAST, TEXT_CONTRAST = 3.0, 4.5
# Contour lines: ink, three quarters opaque, reach 3:1 on every colour of the landscape, the slate top included.
CONTOUR_INK = "rgba(26, 26, 26, 0.75)"

DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "6px,3px,2px,3px,2px,3px")
# No "x" (divergence) and no "star" (the combination): those marks mean something else on the map.
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "cross", "triangle-down", "pentagon")
# Path colours in the order hands get them. The pairs that look alike at a line's width (orange and
# vermillion, sky blue and blue) are split: only a race of six or seven hands uses both of a pair.
_PATH_COLORS = ("black", "orange", "sky_blue", "bluish_green", "reddish_purple", "vermillion", "blue")
PATH_PALETTE = tuple(OKABE_ITO[name] for name in _PATH_COLORS)


@dataclass(frozen=True)
class OptimizerStyle:
    """How one hand is drawn in a figure: colour, line dash, marker symbol and display name."""

    color: str
    dash: str
    symbol: str
    label: str


_LABELS = {"sgd": "SGD", "momentum": "Momentum", "nesterov": "Nesterov", "adagrad": "AdaGrad",
           "rmsprop": "RMSprop", "adam": "Adam", "adamw": "AdamW", "adamax": "Adamax", "nadam": "NAdam",
           "radam": "RAdam", "adadelta": "Adadelta", "asgd": "ASGD", "adafactor": "Adafactor", "rprop": "Rprop",
           "lion": "Lion", "lbfgs": "L-BFGS", "muon": "Muon"}


def label_for(key: str) -> str:
    """Display name of an optimizer key ("adamw" -> "AdamW"); unknown keys are title-cased."""
    return _LABELS.get(key.lower(), key.replace("_", " ").title())


def style_at(position: int, label: str = "") -> OptimizerStyle:
    """The style of the hand at `position` in a figure: position i gets the i-th colour, dash and symbol,
    so up to seven hands drawn together never share any of the three."""
    i = position % len(PATH_PALETTE)
    return OptimizerStyle(PATH_PALETTE[i], DASHES[i], SYMBOLS[i], label)


def style_for(key: str) -> OptimizerStyle:
    """The style of a hand drawn alone (the first position), labelled with the optimizer's name."""
    return style_at(0, label_for(key))


def styles_for(keys) -> list[OptimizerStyle]:
    """Styles for several hands drawn together, by position: with 17 optimizers and 7 colours a fixed
    per-optimizer table would give two hands of one race the same colour; by position it never does
    (up to seven hands, the most a figure shows). The same key twice (two Adam runs) is told apart too."""
    return [style_at(i, label_for(key)) for i, key in enumerate(keys)]


# Dash names as runs of (on, off, on, off, ...) in units of the line's width (at least 3 px), the proportions
# plotly.js gives them, so a path drawn on the player's canvas matches its legend sample drawn by plotly.
_DASH_UNITS = {"solid": (), "dot": (1, 1), "dash": (3, 3), "longdash": (5, 5), "dashdot": (3, 1, 1, 1),
               "longdashdot": (5, 2, 1, 2)}


def dash_pattern(dash: str, width: float) -> list[float]:
    """A line dash as on/off lengths in px for a canvas (`setLineDash`): a plotly dash name scaled by the
    line's `width`, or plotly's own "6px,3px,..." list as it stands; [] is a solid line."""
    if dash in _DASH_UNITS:
        unit = max(float(width), 3.0)
        return [round(unit * u, 2) for u in _DASH_UNITS[dash]]
    return [float(part.strip().removesuffix("px")) for part in dash.split(",") if part.strip()]


def _rgb(color: str) -> tuple[float, float, float, float]:
    """(r, g, b, alpha) of '#RRGGBB' or 'rgba(r, g, b, a)'."""
    if color.startswith("#"):
        return (*(int(color[i:i + 2], 16) for i in (1, 3, 5)), 1.0)
    parts = [float(v) for v in color[color.index("(") + 1:color.index(")")].split(",")]
    return (*parts[:3], parts[3] if len(parts) == 4 else 1.0)


def luminance(color: str, on: str = "#ffffff") -> float:
    """WCAG 2.2's relative luminance of `color`, a translucent colour taken as laid over `on`."""
    r, g, b, a = _rgb(color)
    if a < 1:
        under = _rgb(on)
        r, g, b = (a * c + (1 - a) * u for c, u in zip((r, g, b), under[:3], strict=True))

    def linear(channel: float) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast(color: str, background: str) -> float:
    """WCAG 2.2's contrast ratio (1 to 21) of `color` on `background` (a translucent colour laid over it)."""
    one, two = luminance(color, background), luminance(background)
    return (max(one, two) + 0.05) / (min(one, two) + 0.05)


def casing_for(color: str) -> str | None:
    """The outline a path of `color` is drawn with so that it stands out 3:1 on every plot background: none
    for a colour dark enough on its own (black), ink for the light Okabe-Ito colours (orange, sky blue), which
    no white or pale map lets reach 3:1 (they keep their hue, which tells the hands apart)."""
    if min(contrast(color, bg) for bg in PLOT_BACKGROUNDS) >= LINE_CONTRAST:
        return None
    return INK


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
        # Paths thick enough to follow from the back of a room, and their dash still readable.
        return Sizes(font=19, title=24, small=16, line=4.5, marker=8, head=18)
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


def phone_layout(fig, height: int = 520):
    """`fig` re-laid for a phone (a new figure; `fig` is untouched): the legend in a row above the plot and
    any colour bar lying flat under it, so that the plot keeps the screen's whole width instead of sharing
    it with a legend or a bar beside it (which squeezed a heatmap to a strip and laid the legend over the
    axis title)."""
    import plotly.graph_objects as go

    out = go.Figure(fig)
    bars = [t for t in out.data if t.type in ("heatmap", "contour", "histogram2d")]
    out.update_layout(height=height, margin={"l": 50, "r": 10, "t": 60, "b": 150 if bars else 50},
                      legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom",
                              "bgcolor": "rgba(0,0,0,0)"})
    for trace in bars:
        trace.update(colorbar={"orientation": "h", "x": 0.5, "xanchor": "center", "y": -0.32,
                               "yanchor": "top", "len": 1.0, "thickness": 12, "title": {"side": "top"}})
    return out
