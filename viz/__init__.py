"""Charts for Safecracker: pure functions from plain data (landscapes, `PathView`s, arrays) to Plotly figures.

    paths = [viz.path_view(tr) for tr in trajectories]
    scene = viz.replay(landscape, paths)          # the replay: static panels and the motion over them
    text = viz.race_summary(paths)                # the sentence beside it

Nothing here imports streamlit or optim.
"""

from viz.animation import LAYOUTS, Replay, replay, replay_table
from viz.charts import (
    basin_figure,
    internals_figure,
    loss_figure,
    outcome,
    settings_heatmap,
    small_multiples_figure,
)
from viz.export import standalone_html
from viz.paths import PathView, path_view
from viz.style import PATH_PALETTE, OptimizerStyle, base_layout, label_for, style_at, style_for, styles_for
from viz.summary import basin_summary, heatmap_summary, path_summary, race_summary
from viz.surface import backdrop, contour_trace, landmark_traces, surface_figure

__all__ = [
    "LAYOUTS",
    "OptimizerStyle",
    "PATH_PALETTE",
    "PathView",
    "Replay",
    "backdrop",
    "base_layout",
    "basin_figure",
    "basin_summary",
    "contour_trace",
    "heatmap_summary",
    "internals_figure",
    "label_for",
    "landmark_traces",
    "loss_figure",
    "outcome",
    "path_summary",
    "path_view",
    "race_summary",
    "replay",
    "replay_table",
    "settings_heatmap",
    "small_multiples_figure",
    "standalone_html",
    "style_at",
    "style_for",
    "styles_for",
    "surface_figure",
]
