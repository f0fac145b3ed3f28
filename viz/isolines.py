"""Contour lines as plain polylines (marching squares), so a scatter trace can draw them.

Why not a contour trace: the replay's map is a picture of the colours (a layout image, exact to the pixel
and small to send) with the lines drawn over it, and the basin map lays them over its own colours; a contour
trace would draw a second colour field of its own. (The replay's map was built this way first because plotly's
own animation frames wiped contour traces; the replay is now drawn by viz/player.js, but the picture and the
lines stayed the lighter way to draw the vault.)
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

# Corners of a cell, as bits of the case index: bottom-left 1, bottom-right 2, top-right 4, top-left 8.
# Edges: 0 bottom, 1 right, 2 top, 3 left. Each case lists the edge pairs its line segments join.
_SEGMENTS = {
    1: [(3, 0)], 2: [(0, 1)], 3: [(3, 1)], 4: [(1, 2)], 6: [(0, 2)], 7: [(3, 2)], 8: [(2, 3)],
    9: [(0, 2)], 11: [(1, 2)], 12: [(3, 1)], 13: [(0, 1)], 14: [(3, 0)],
}
# Saddles: which corners the line separates depends on whether the cell's centre is above the level.
_SADDLES = {
    5: {True: [(0, 1), (2, 3)], False: [(3, 0), (1, 2)]},
    10: {True: [(3, 0), (1, 2)], False: [(0, 1), (2, 3)]},
}


def isolines(xs: np.ndarray, ys: np.ndarray, Z: np.ndarray, levels) -> tuple[np.ndarray, np.ndarray]:
    """Lines where Z (rows along `ys`, columns along `xs`) crosses each level, as two float arrays with
    NaN between separate lines. Cells touching a NaN are skipped, so undefined regions leave gaps."""
    xs_out: list[np.ndarray] = []
    ys_out: list[np.ndarray] = []
    for level in np.atleast_1d(levels):
        for line_x, line_y in _level_lines(xs, ys, Z, float(level)):
            xs_out += [line_x, [np.nan]]
            ys_out += [line_y, [np.nan]]
    if not xs_out:
        return np.empty(0), np.empty(0)
    return np.concatenate(xs_out[:-1]), np.concatenate(ys_out[:-1])


def _level_lines(xs, ys, z, level):
    H, W = z.shape
    above = z > level
    bl, br, tr, tl = above[:-1, :-1], above[:-1, 1:], above[1:, 1:], above[1:, :-1]
    case = bl * 1 + br * 2 + tr * 4 + tl * 8
    valid = np.isfinite(z[:-1, :-1]) & np.isfinite(z[:-1, 1:]) & np.isfinite(z[1:, 1:]) & np.isfinite(z[1:, :-1])
    centre_above = (z[:-1, :-1] + z[:-1, 1:] + z[1:, 1:] + z[1:, :-1]) / 4 > level

    # Global edge ids, shared by neighbouring cells so their segments can be chained:
    # horizontal edge (i, j)-(i, j+1) -> i*(W-1)+j; vertical edge (i, j)-(i+1, j) -> n_h + i*W+j.
    n_h = H * (W - 1)
    ci, cj = np.indices((H - 1, W - 1))
    edge_ids = (ci * (W - 1) + cj, n_h + ci * W + cj + 1, (ci + 1) * (W - 1) + cj, n_h + ci * W + cj)

    pairs = []
    for c, segs in _SEGMENTS.items():
        mask = valid & (case == c)
        for a, b in segs:
            pairs.append(np.stack([edge_ids[a][mask], edge_ids[b][mask]], axis=1))
    for c, options in _SADDLES.items():
        for centre, segs in options.items():
            mask = valid & (case == c) & (centre_above == centre)
            for a, b in segs:
                pairs.append(np.stack([edge_ids[a][mask], edge_ids[b][mask]], axis=1))
    segments = np.concatenate(pairs) if pairs else np.empty((0, 2), dtype=int)
    if len(segments) == 0:
        return []

    # Where the level crosses each edge that is used, by linear interpolation along the edge.
    edges = np.unique(segments)
    horiz = edges < n_h
    px = np.empty(len(edges))
    py = np.empty(len(edges))
    hi, hj = np.divmod(edges[horiz], W - 1)
    t = (level - z[hi, hj]) / (z[hi, hj + 1] - z[hi, hj])
    px[horiz], py[horiz] = xs[hj] + t * (xs[hj + 1] - xs[hj]), ys[hi]
    vi, vj = np.divmod(edges[~horiz] - n_h, W)
    t = (level - z[vi, vj]) / (z[vi + 1, vj] - z[vi, vj])
    px[~horiz], py[~horiz] = xs[vj], ys[vi] + t * (ys[vi + 1] - ys[vi])
    where = {int(e): k for k, e in enumerate(edges)}

    return [(px[chain], py[chain]) for chain in _chains(segments, where)]


def _chains(segments: np.ndarray, where: dict[int, int]) -> list[list[int]]:
    """Join segments that share an edge into polylines (indices into the crossing-point arrays)."""
    touching = defaultdict(list)
    for s, (a, b) in enumerate(segments.tolist()):
        touching[a].append((s, b))
        touching[b].append((s, a))
    used = np.zeros(len(segments), dtype=bool)
    chains = []
    # Open lines (ending at the border or a NaN hole) first, from an end; what is left are closed loops.
    starts = [e for e, seg in touching.items() if len(seg) == 1] + list(touching)
    for start in starts:
        for s, _ in touching[start]:
            if used[s]:
                continue
            chain, cur = [start], start
            while True:
                step = next(((s2, nxt) for s2, nxt in touching[cur] if not used[s2]), None)
                if step is None:
                    break
                used[step[0]] = True
                cur = step[1]
                chain.append(cur)
            chains.append([where[e] for e in chain])
    return chains
