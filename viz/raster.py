"""A colour field as a PNG data URI, for a layout image behind the animated map.

A layout image is part of the layout, so no animation frame can remove it (unlike a contour or heatmap
trace, see viz/isolines.py), and a smooth colour field compresses to a few tens of kB.
"""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np


def colorize(t: np.ndarray, colorscale: list) -> np.ndarray:
    """Values in 0..1 through a Plotly-style colourscale [[pos, '#rrggbb'], ...] to RGBA uint8 (..., 4).
    NaN becomes fully transparent."""
    t = np.asarray(t, dtype=np.float64)
    stops = np.array([float(p) for p, _ in colorscale])
    rgb = np.array([[int(c.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)] for _, c in colorscale], dtype=float)
    filled = np.nan_to_num(t, nan=0.0)
    out = np.empty(t.shape + (4,), dtype=np.uint8)
    for ch in range(3):
        out[..., ch] = np.round(np.interp(filled, stops, rgb[:, ch])).astype(np.uint8)
    out[..., 3] = np.where(np.isnan(t), 0, 255)
    return out


def png_bytes(rgba: np.ndarray) -> bytes:
    """An RGBA uint8 image (H, W, 4), row 0 at the top, encoded as PNG."""
    rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
    h, w, channels = rgba.shape
    if channels != 4:
        raise ValueError("png_bytes wants an (H, W, 4) RGBA array")
    # Filter type 2 ("Up": each byte minus the one above) turns smooth gradients into runs zlib loves.
    prior = np.vstack([np.zeros((1, w, 4), dtype=np.uint8), rgba[:-1]])
    filtered = (rgba.astype(np.int16) - prior).astype(np.uint8).reshape(h, w * 4)
    scanlines = np.hstack([np.full((h, 1), 2, dtype=np.uint8), filtered]).tobytes()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)  # 8-bit RGBA, no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(scanlines, 9))
            + chunk(b"IEND", b""))


def png_data_uri(rgba: np.ndarray) -> str:
    """`png_bytes` as a data: URI, ready for a Plotly layout image `source`."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(rgba)).decode("ascii")
