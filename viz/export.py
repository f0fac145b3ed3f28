"""A replay as one HTML file that plays offline: plotly.js and the player inlined, a title, and a caption."""

from __future__ import annotations

import html
import json
from pathlib import Path

import plotly.io as pio

from viz.animation import Replay

PLAYER_JS = Path(__file__).resolve().parent / "player.js"

# The page around the replay: readable type, and room so that no axis title or tick label is cut off
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
<main>
<h1>{title}</h1>
<figure>
<figcaption>{caption}</figcaption>
{panels}
</figure>
</main>
<script type="module">
{player}
const motion = {motion};
createPlayer(document.getElementById("sc-player"), motion, {{
  name: {name}, description: {description}, size: "desk",
  panels: () => {ids}.map((id) => document.getElementById(id)),
}});
</script>
</body>
</html>
"""


def standalone_html(replay: Replay, title: str, caption: str, *, min_width: int = 900) -> str:
    """`replay` as a complete HTML page that works without a network: its title as the page title and heading,
    `caption` (plain text, escaped) above it, the player's controls under the map, Play not started."""
    ids = [f"sc-panel-{i}" for i in range(len(replay.panels))]
    parts = []
    for i, (panel, div_id) in enumerate(zip(replay.panels, ids, strict=True)):
        parts.append(pio.to_html(panel, include_plotlyjs=i == 0, full_html=False, div_id=div_id,
                                 default_width="100%", config={"displaylogo": False, "responsive": True}))
        if i == 0:
            parts.append('<div id="sc-player"></div>')
    # The page's module uses the player's own function; its Streamlit entry point is unused here.
    player = PLAYER_JS.read_text()

    def script_json(value) -> str:
        # JSON inside <script>: "</" would end the script early.
        return json.dumps(value, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")

    return _PAGE.format(title=html.escape(title), caption=html.escape(caption), panels="\n".join(parts),
                        min_width=min_width, player=player, motion=script_json(replay.motion),
                        name=script_json(title), description=script_json(caption), ids=script_json(ids))
