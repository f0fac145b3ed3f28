"""A figure as one HTML file that plays offline: plotly.js inlined, a title, and a caption of the scene."""

from __future__ import annotations

import html

import plotly.graph_objects as go

# The page around the figure: readable type, and room so that no axis title or tick label is cut off
# (plotly draws into the width the page gives it; the figure asks for at least that much).
_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
  body {{ font-family: system-ui, sans-serif; margin: 1.5rem; color: #1c2630; background: #fbfaf6; }}
  h1 {{ font-size: 1.5rem; margin: 0 0 0.3rem 0; }}
  figure {{ margin: 0; min-width: {min_width}px; }}
  figcaption {{ font-size: 1rem; line-height: 1.5; margin: 0.2rem 0 1rem 0; max-width: 60rem; }}
</style>
</head>
<body>
<h1>{title}</h1>
<figure>
<figcaption>{caption}</figcaption>
{plot}
</figure>
</body>
</html>
"""


def standalone_html(figure: go.Figure, title: str, caption: str, *, min_width: int = 900) -> str:
    """`figure` as a complete HTML page that works without a network: its title as the page title and
    heading, `caption` (plain text, escaped) above it, Play not started."""
    plot = figure.to_html(include_plotlyjs=True, full_html=False, auto_play=False, default_width="100%",
                          config={"displaylogo": False, "responsive": True})
    return _PAGE.format(title=html.escape(title), caption=html.escape(caption), plot=plot, min_width=min_width)
