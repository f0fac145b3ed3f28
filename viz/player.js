// Safecracker's replay player: draws a replay's motion on a canvas over its static plotly panels, and gives it
// controls anyone can use: Play / Pause, a step slider, keys, and the numbers as a table.
//
// Two hosts share this file: ui/player.py mounts it as a Streamlit components-v2 element (the default export
// below), and viz/export.py inlines it in the offline HTML page (`createPlayer`, with plotly.js inlined too).
//
// The motion (built by viz/animation.py) is {last, duration, series, layers, table}: the slider runs over
// steps 0..last and Play goes from 0 to last in `duration` ms. A series holds one point per step, {x, y} (x
// left out: the step itself), null where there is none; where a series "rests" at step k is its last point
// at or before k. Each layer is drawn, in order, on the subplot it names ("xy", "x2y2", ...) of whichever
// panel holds it, in the subplot's data units; layers with a `group` are hidden while the legend entries of
// that legendgroup are switched off.
//   trail  {series, color, width, dash[, casing]}: the polyline of the series' points 0..k (a null breaks it),
//          over an outline `casing` = [colour, px each side] where given
//   marks  {x, y, t, symbol, size, color, line}: mark j shows once k >= t[j]; line[j] is [colour, width] or null
//   head   {series, symbol, size, color, line}: one marker where the series rests at k
//   dial   {series, axis, cx, cy, lo, hi, radius, sweep, overshoot, needle, ...}: the series' x (axis 0) or y
//          (axis 1) on a dial centred at (cx, cy): lo at `sweep` degrees left of 12 o'clock, hi as far right,
//          at most `overshoot` degrees beyond; a needle {color, width} or a pointer {symbol, size, color, line}
//          at `radius`
//   label  {series, axis, x, y, prefix, digits, size[, color]}: "prefix value" at (x, y) for the value where
//          the series rests (the panel's font colour unless given)
//   cursor {color, width, dash}: a vertical line at x = k across the subplot
//
// A player is `createPlayer(root, motion, {panels, name, description, size})`: `panels()` returns the plotly
// graph divs to draw on; the player builds its controls in `root` and answers play(), pause(), toggle(),
// seek(k), step, last, playing, frames (how many frames it has drawn) and destroy(). It fires "sc-frame"
// ({detail: {step}}) on `root` for every frame drawn and "sc-ended" when a replay reaches the end. The page's
// keys (space plays or pauses, the arrow keys and Page Up / Page Down step; keys typed into a widget stay the
// widget's) drive the first player on the page that is on screen.

const SYMBOL_SIZE_TO_RADIUS = 0.5;
let idSeed = 0;

function axisPair(subplot) {
  const match = /^x(\d*)y(\d*)$/.exec(subplot);
  return match ? ["xaxis" + match[1], "yaxis" + match[2]] : null;
}

function symbolPath(ctx, symbol, x, y, size) {
  const r = size * SYMBOL_SIZE_TO_RADIUS;
  const polygon = (points) => {
    ctx.moveTo(x + points[0][0], y + points[0][1]);
    for (const [px, py] of points.slice(1)) ctx.lineTo(x + px, y + py);
    ctx.closePath();
  };
  const regular = (n, radius, turn) => {
    const points = [];
    for (let i = 0; i < n; i++) {
      const a = turn + (2 * Math.PI * i) / n;
      points.push([radius * Math.sin(a), -radius * Math.cos(a)]);
    }
    polygon(points);
  };
  const arm = r * 0.38;
  switch (symbol.replace(/-open$/, "")) {
    case "square": ctx.rect(x - r, y - r, 2 * r, 2 * r); break;
    case "diamond": polygon([[0, -1.3 * r], [1.3 * r, 0], [0, 1.3 * r], [-1.3 * r, 0]]); break;
    case "triangle-up": regular(3, 1.2 * r, 0); break;
    case "triangle-down": regular(3, 1.2 * r, Math.PI); break;
    case "pentagon": regular(5, 1.1 * r, 0); break;
    case "cross":
      polygon([[-arm, -r], [arm, -r], [arm, -arm], [r, -arm], [r, arm], [arm, arm], [arm, r], [-arm, r],
               [-arm, arm], [-r, arm], [-r, -arm], [-arm, -arm]]);
      break;
    case "x": {
      const d = arm * Math.SQRT1_2, e = r * Math.SQRT1_2 * 1.2;
      polygon([[0, -2 * d], [e - d, -e - d], [e + d, -e + d], [2 * d, 0], [e + d, e - d], [e - d, e + d],
               [0, 2 * d], [-e + d, e + d], [-e - d, e - d], [-2 * d, 0], [-e - d, -e + d], [-e + d, -e - d]]);
      break;
    }
    default: ctx.arc(x, y, r, 0, 2 * Math.PI);
  }
}

function drawSymbol(ctx, symbol, x, y, size, color, line) {
  ctx.beginPath();
  symbolPath(ctx, symbol, x, y, size);
  if (symbol.endsWith("-open")) {
    ctx.strokeStyle = line ? line[0] : color;
    ctx.lineWidth = line ? line[1] : 2;
    ctx.stroke();
    return;
  }
  ctx.fillStyle = color;
  ctx.fill();
  if (line && line[1] > 0) {
    ctx.strokeStyle = line[0];
    ctx.lineWidth = line[1];
    ctx.stroke();
  }
}

// A number to `digits` significant digits without trailing zeros, as Python's "g" format writes it.
function shortNumber(value, digits) {
  const text = Number(value).toPrecision(digits);
  const [mantissa, exponent] = text.split("e");
  const trimmed = mantissa.includes(".") ? mantissa.replace(/0+$/, "").replace(/\.$/, "") : mantissa;
  return exponent === undefined ? trimmed : `${trimmed}e${exponent}`;
}

// A series' point i as [x, y] (x is the step itself when the series has none), or null.
function pointOf(series, i) {
  const y = series.y[i];
  const x = series.x ? series.x[i] : i;
  return x === null || y === null || y === undefined ? null : [x, y];
}

// Where a series rests at step k: the index of its last point at or before k, or -1.
function restingIndex(series, k) {
  for (let i = Math.min(k, series.y.length - 1); i >= 0; i--) {
    if (pointOf(series, i)) return i;
  }
  return -1;
}

// A dial's angle (degrees clockwise from 12 o'clock) for `value`, as viz/animation.py's _dial_angle.
function dialAngle(layer, value) {
  const frac = layer.hi > layer.lo ? (value - layer.lo) / (layer.hi - layer.lo) : 0.5;
  const limit = layer.sweep + layer.overshoot;
  return Math.max(-limit, Math.min(limit, -layer.sweep + 2 * layer.sweep * frac));
}

const STYLE = `
.sc-player { font-family: var(--st-font, system-ui, sans-serif); color: var(--st-text-color, #1c2630);
  --sc-accent: var(--st-primary-color, #0072B2); --sc-on-accent: var(--st-background-color, #fbfaf6);
  --sc-track: var(--st-secondary-background-color, #eef1f4); font-size: 1rem; margin: 0.2rem 0 0.4rem 0; }
.sc-player .sc-row { display: flex; align-items: center; gap: 0.9rem; flex-wrap: wrap; }
.sc-player .sc-play { min-width: 7.5rem; min-height: 2.75rem; padding: 0.35rem 1.1rem; font: inherit;
  font-size: 1.1rem; font-weight: 600; border-radius: 0.5rem; border: 2px solid var(--sc-accent);
  background: var(--sc-accent); color: var(--sc-on-accent); cursor: pointer; }
.sc-player .sc-play[aria-pressed="true"] { background: transparent; color: var(--st-text-color, #1c2630); }
.sc-player .sc-step { flex: 1 1 14rem; min-width: 10rem; height: 2.75rem; margin: 0; background: transparent;
  accent-color: var(--sc-accent); cursor: pointer; -webkit-appearance: none; appearance: none; }
.sc-player .sc-step::-webkit-slider-runnable-track { height: 0.5rem; border-radius: 0.25rem;
  background: var(--sc-track); border: 1px solid rgba(128, 128, 128, 0.8); }
.sc-player .sc-step::-webkit-slider-thumb { -webkit-appearance: none; appearance: none; width: 1.75rem;
  height: 1.75rem; margin-top: -0.66rem; border-radius: 50%; background: var(--sc-accent);
  border: 3px solid var(--sc-on-accent); box-shadow: 0 0 0 1px rgba(128, 128, 128, 0.9); }
.sc-player .sc-step::-moz-range-track { height: 0.5rem; border-radius: 0.25rem; background: var(--sc-track); }
.sc-player .sc-step::-moz-range-thumb { width: 1.5rem; height: 1.5rem; border-radius: 50%;
  background: var(--sc-accent); border: 3px solid var(--sc-on-accent); }
.sc-player .sc-readout { min-width: 8.5rem; font-variant-numeric: tabular-nums; font-weight: 600; }
.sc-player :is(button, input, summary, [tabindex]):focus-visible { outline: 3px solid var(--sc-accent);
  outline-offset: 3px; }
.sc-player .sc-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%);
  white-space: nowrap; margin: -1px; padding: 0; border: 0; }
.sc-player details { margin-top: 0.3rem; }
.sc-player summary { cursor: pointer; min-height: 1.5rem; padding: 0.2rem 0; width: fit-content; }
.sc-player .sc-scroll { max-height: 22rem; overflow: auto; margin-top: 0.3rem; }
.sc-player table { border-collapse: collapse; font-size: 0.9rem; font-variant-numeric: tabular-nums; }
.sc-player caption { text-align: left; padding: 0.2rem 0; }
.sc-player th, .sc-player td { padding: 0.15rem 0.6rem; text-align: right; white-space: nowrap;
  border-bottom: 1px solid rgba(128, 128, 128, 0.35); }
.sc-player thead th { position: sticky; top: 0; background: var(--st-background-color, #fbfaf6); }
.sc-player.sc-phone .sc-step { flex-basis: 100%; order: 3; }
.sc-player.sc-phone .sc-play { min-height: 3rem; font-size: 1.25rem; }
.sc-player.sc-phone .sc-readout { font-size: 1.25rem; }
.sc-player.sc-presenter { font-size: 1.25rem; }
.sc-player.sc-presenter .sc-play { font-size: 1.5rem; min-height: 3.2rem; }
.sc-player.sc-presenter .sc-readout { font-size: 1.9rem; min-width: 12rem; }
.sc-player.sc-presenter .sc-step::-webkit-slider-thumb { width: 2.2rem; height: 2.2rem; margin-top: -0.9rem; }
`;

function installStyle(doc) {
  if (doc.getElementById("sc-player-style")) return;
  const style = doc.createElement("style");
  style.id = "sc-player-style";
  style.textContent = STYLE;
  doc.head.appendChild(style);
}

// --- drawing ---------------------------------------------------------------------------------------------

class Painter {
  constructor() {
    this.canvases = new Map(); // graph div -> canvas
    this.watched = new WeakSet();
  }

  // The canvas over a panel, between plotly's main drawing (landscape, curves' axes, dial faces) and its
  // top layers (legend, colour bar, titles, hover labels), sized to the panel.
  canvasFor(gd, onReplot) {
    const layout = gd._fullLayout;
    const holder = gd.querySelector(".svg-container");
    const paper = holder && holder.querySelector("svg.main-svg");
    if (!layout || !paper) return null;
    let canvas = this.canvases.get(gd);
    if (!canvas || !canvas.isConnected || canvas.previousElementSibling !== paper) {
      if (canvas) canvas.remove();
      canvas = gd.ownerDocument.createElement("canvas");
      canvas.className = "sc-motion";
      canvas.setAttribute("aria-hidden", "true");
      canvas.style.cssText = "position:absolute;left:0;top:0;pointer-events:none;";
      paper.after(canvas);
      this.canvases.set(gd, canvas);
    }
    if (!this.watched.has(gd) && typeof gd.on === "function") {
      // After any redraw (a rerun, a resize, a zoom, a legend click) the axes may have moved.
      gd.on("plotly_afterplot", onReplot);
      this.watched.add(gd);
    }
    const ratio = gd.ownerDocument.defaultView.devicePixelRatio || 1;
    const width = Math.round(layout.width), height = Math.round(layout.height);
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
      canvas.style.width = width + "px";
      canvas.style.height = height + "px";
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    return ctx;
  }

  // Whether a panel has no canvas of its own yet, or one of another size than the panel.
  stale(gd) {
    const canvas = this.canvases.get(gd);
    const layout = gd._fullLayout;
    if (!layout) return false;
    return !canvas || !canvas.isConnected || canvas.style.width !== Math.round(layout.width) + "px"
      || canvas.style.height !== Math.round(layout.height) + "px";
  }

  remove() {
    for (const canvas of this.canvases.values()) canvas.remove();
    this.canvases.clear();
  }
}

function hiddenGroups(gds) {
  const hidden = new Set();
  for (const gd of gds) {
    for (const trace of gd._fullData || []) {
      if (trace.visible === "legendonly" && trace.legendgroup) hidden.add(trace.legendgroup);
    }
  }
  return hidden;
}

function subplotsOf(gds, painter, onReplot) {
  const out = new Map();
  for (const gd of gds) {
    const layout = gd._fullLayout;
    const ids = layout && layout._subplots && layout._subplots.cartesian;
    if (!ids || !ids.length) continue;
    const ctx = painter.canvasFor(gd, onReplot);
    if (!ctx) continue;
    for (const id of ids) {
      const [xName, yName] = axisPair(id) || [];
      const xa = layout[xName], ya = layout[yName];
      if (!xa || !ya || out.has(id)) continue;
      out.set(id, {
        ctx, font: (layout.font && layout.font.color) || "#444",
        family: (layout.font && layout.font.family) || "sans-serif",
        px: (v) => xa._offset + xa.l2p(v), py: (v) => ya._offset + ya.l2p(v),
        box: [xa._offset, ya._offset, xa._length, ya._length],
      });
    }
  }
  return out;
}

function drawLayer(layer, plot, k, allSeries) {
  const { ctx, px, py } = plot;
  const series = layer.series === undefined ? null : allSeries[layer.series];
  switch (layer.kind) {
    case "trail": {
      const end = Math.min(k, series.y.length - 1);
      ctx.beginPath();
      let open = false;
      for (let i = 0; i <= end; i++) {
        const point = pointOf(series, i);
        if (!point) { open = false; continue; }
        if (open) ctx.lineTo(px(point[0]), py(point[1]));
        else { ctx.moveTo(px(point[0]), py(point[1])); open = true; }
      }
      ctx.setLineDash(layer.dash || []);
      ctx.lineJoin = "round";
      ctx.lineCap = (layer.dash || []).length ? "butt" : "round";
      if (layer.casing) {
        ctx.lineWidth = layer.width + 2 * layer.casing[1];
        ctx.strokeStyle = layer.casing[0];
        ctx.stroke();
      }
      ctx.lineWidth = layer.width;
      ctx.strokeStyle = layer.color;
      ctx.stroke();
      ctx.setLineDash([]);
      break;
    }
    case "marks":
      for (let j = 0; j < layer.t.length; j++) {
        if (layer.t[j] > k || layer.x[j] === null || layer.y[j] === null) continue;
        drawSymbol(ctx, layer.symbol[j], px(layer.x[j]), py(layer.y[j]), layer.size[j], layer.color[j], layer.line[j]);
      }
      break;
    case "head": {
      const i = restingIndex(series, k);
      if (i < 0) break;
      const [x, y] = pointOf(series, i);
      drawSymbol(ctx, layer.symbol, px(x), py(y), layer.size, layer.color, layer.line);
      break;
    }
    case "dial": {
      const i = restingIndex(series, k);
      if (i < 0) break;
      const angle = (dialAngle(layer, pointOf(series, i)[layer.axis]) * Math.PI) / 180;
      const tipX = px(layer.cx + layer.radius * Math.sin(angle)), tipY = py(layer.cy + layer.radius * Math.cos(angle));
      if (layer.needle) {
        ctx.beginPath();
        ctx.moveTo(px(layer.cx), py(layer.cy));
        ctx.lineTo(tipX, tipY);
        ctx.lineWidth = layer.width;
        ctx.lineCap = "round";
        ctx.strokeStyle = layer.color;
        ctx.stroke();
      } else {
        drawSymbol(ctx, layer.symbol, tipX, tipY, layer.size, layer.color, layer.line);
      }
      break;
    }
    case "label": {
      const i = restingIndex(series, k);
      if (i < 0) break;
      ctx.font = `${layer.size}px ${plot.family}`;
      ctx.fillStyle = layer.color || plot.font;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText(layer.prefix + shortNumber(pointOf(series, i)[layer.axis], layer.digits), px(layer.x), py(layer.y));
      break;
    }
    case "cursor": {
      const [, top, , height] = plot.box;
      ctx.beginPath();
      ctx.moveTo(px(k), top);
      ctx.lineTo(px(k), top + height);
      ctx.setLineDash(layer.dash || []);
      ctx.lineWidth = layer.width;
      ctx.strokeStyle = layer.color;
      ctx.stroke();
      ctx.setLineDash([]);
      break;
    }
    default:
      break;
  }
}

// --- the player ------------------------------------------------------------------------------------------

const players = new Set();

function onScreen(element) {
  const box = element.getBoundingClientRect();
  return box.height > 0 && box.bottom > 0 && box.top < element.ownerDocument.defaultView.innerHeight;
}

// Keys typed into these stay theirs (a text box's space, a radio group's arrows, a tab list's arrows).
const WIDGETS = "input, textarea, select, button, summary, [role=slider], [role=combobox], [role=radio], " +
  "[role=tab], [role=option], [role=listbox], [role=menuitem], [contenteditable=true]";

function onKey(event) {
  if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) return;
  const target = event.target && event.target.closest ? event.target : null;
  const own = target && target.closest(".sc-player");
  if (own && (target.matches("input, summary") || (target.matches("button") && (event.key === " " || event.key === "Enter")))) {
    return; // the slider's own keys, and the button's and the table's activation, are the browser's
  }
  if (!own && target && target.closest(WIDGETS)) return;
  const candidates = [...players].filter((p) => p.root.isConnected);
  const player = (own && own.scPlayer) || candidates.find((p) => onScreen(p.root)) || candidates[0];
  if (!player) return;
  const forward = event.key === "ArrowRight" || event.key === "PageDown";
  const back = event.key === "ArrowLeft" || event.key === "PageUp";
  if (event.key === " " || event.code === "Space") {
    player.toggle();
  } else if (forward || back) {
    player.pause();
    player.seek(player.step + (forward ? 1 : -1), true);
  } else {
    return;
  }
  event.preventDefault();
}

export function createPlayer(root, motion, options) {
  const doc = root.ownerDocument;
  installStyle(doc);
  if (!doc.defaultView.__scKeys) {
    doc.defaultView.__scKeys = true;
    doc.addEventListener("keydown", onKey);
  }
  const uid = "sc" + (++idSeed);
  root.classList.add("sc-player", "sc-" + (options.size || "desk"));
  root.setAttribute("role", "group");
  root.innerHTML = `
    <div class="sc-row">
      <button type="button" class="sc-play" aria-pressed="false"><span aria-hidden="true">▶</span> Play</button>
      <input type="range" class="sc-step" min="0" step="1">
      <span class="sc-readout" aria-hidden="true"></span>
    </div>
    <p class="sc-sr" id="${uid}-desc"></p>
    <p class="sc-sr" aria-live="polite" id="${uid}-status"></p>
    <details><summary>The numbers behind the picture, as a table</summary>
      <div class="sc-scroll" tabindex="0" role="region" aria-label="The replay's numbers, step by step"></div>
    </details>`;
  const button = root.querySelector(".sc-play");
  const slider = root.querySelector(".sc-step");
  const readout = root.querySelector(".sc-readout");
  const description = root.querySelector(`#${uid}-desc`);
  const status = root.querySelector(`#${uid}-status`);
  const details = root.querySelector("details");
  const scroll = root.querySelector(".sc-scroll");
  const painter = new Painter();

  const player = {
    root, motion, step: 0, last: 0, playing: false, frames: 0, drawn: null,
    options,
    raf: 0, startedAt: 0, startStep: 0, timer: 0,
  };
  root.scPlayer = player;

  const panels = () => (player.options.panels() || []).filter(Boolean);

  function label() {
    button.innerHTML = player.playing ? '<span aria-hidden="true">❚❚</span> Pause'
      : '<span aria-hidden="true">▶</span> Play';
    button.setAttribute("aria-pressed", String(player.playing));
  }

  function describe() {
    const name = player.options.name || "The replay";
    root.setAttribute("aria-label", `${name}: Play, Pause and the step`);
    slider.setAttribute("aria-label", `Step of the replay (0 to ${player.last})`);
    description.textContent = player.options.description || "";
    nameCharts(panels(), name, description.id);
  }

  function show(k) {
    const gds = panels();
    const plots = subplotsOf(gds, painter, () => draw(true));
    const hidden = hiddenGroups(gds);
    for (const layer of player.motion.layers) {
      if (layer.group && hidden.has(layer.group)) continue;
      const plot = plots.get(layer.subplot);
      if (!plot) continue;
      const [x, y, w, h] = plot.box;
      plot.ctx.save();
      plot.ctx.beginPath();
      plot.ctx.rect(x, y, w, h);
      plot.ctx.clip();
      drawLayer(layer, plot, k, player.motion.series);
      plot.ctx.restore();
    }
    return plots.size > 0;
  }

  function draw(force) {
    const k = player.step;
    if (!force && player.drawn === k) return;
    if (show(k)) player.drawn = k;
    player.frames += 1;
    slider.value = String(k);
    slider.setAttribute("aria-valuetext", `step ${k} of ${player.last}`);
    readout.textContent = `step ${k} of ${player.last}`;
    root.dispatchEvent(new CustomEvent("sc-frame", { detail: { step: k } }));
  }

  function tick(now) {
    if (!player.playing) return;
    const elapsed = now - player.startedAt;
    const k = Math.min(player.last, player.startStep + Math.floor((elapsed / player.motion.duration) * player.last));
    if (k !== player.step) {
      player.step = k;
      draw(false);
    }
    if (k >= player.last) {
      player.playing = false;
      label();
      status.textContent = `The replay reached its end, step ${player.last}.`;
      root.dispatchEvent(new CustomEvent("sc-ended", { detail: { step: k } }));
      return;
    }
    player.raf = doc.defaultView.requestAnimationFrame(tick);
  }

  player.play = () => {
    if (player.playing || player.last <= 0) return;
    if (player.step >= player.last) {
      player.step = 0;
      draw(false);
    }
    player.playing = true;
    player.startStep = player.step;
    player.startedAt = doc.defaultView.performance.now();
    status.textContent = "";
    label();
    player.raf = doc.defaultView.requestAnimationFrame(tick);
  };
  player.pause = () => {
    if (!player.playing) return;
    player.playing = false;
    doc.defaultView.cancelAnimationFrame(player.raf);
    label();
    status.textContent = `Paused at step ${player.step}.`;
  };
  player.toggle = () => (player.playing ? player.pause() : player.play());
  player.seek = (k, announce) => {
    player.step = Math.max(0, Math.min(player.last, Math.round(k)));
    draw(false);
    if (announce) status.textContent = `Step ${player.step}.`;
  };
  player.redraw = () => draw(true);
  player.load = (newMotion, newOptions) => {
    const same = player.options.id && newOptions.id === player.options.id;
    player.options = newOptions;
    describe();
    if (same) { draw(true); return; }
    player.pause();
    player.motion = newMotion;
    player.last = newMotion.last;
    player.step = newMotion.last; // open on the end: the whole story in one picture
    slider.max = String(player.last);
    details.open = false;
    scroll.innerHTML = "";
    status.textContent = "";
    draw(true);
  };
  player.destroy = () => {
    player.playing = false;
    doc.defaultView.cancelAnimationFrame(player.raf);
    doc.defaultView.clearInterval(player.timer);
    painter.remove();
    players.delete(player);
  };

  button.addEventListener("click", () => player.toggle());
  slider.addEventListener("input", () => {
    player.pause();
    player.seek(Number(slider.value));
  });
  details.addEventListener("toggle", () => {
    if (details.open && !scroll.firstChild) scroll.appendChild(buildTable(doc, player.motion.table));
  });

  players.add(player);
  player.options = {};
  player.load(motion, options);
  // A panel can be drawn, redrawn or replaced after the player (Streamlit draws its charts lazily): look for
  // it again now and then, and draw as soon as it is there.
  player.timer = doc.defaultView.setInterval(() => {
    if (!player.playing && panels().some((gd) => painter.stale(gd))) {
      describe();
      draw(true);
    }
  }, 700);
  return player;
}

// A chart's accessible name and text alternative: each panel is a figure named `name` and described by the
// element `descriptionId` (the sentence that reads the chart); the table of its numbers sits beside it.
function nameCharts(gds, name, descriptionId) {
  // Only what changed: a page whose DOM never settles would keep a screen reader (and a test) waiting.
  const set = (gd, attribute, value) => { if (gd.getAttribute(attribute) !== value) gd.setAttribute(attribute, value); };
  for (const gd of gds) {
    set(gd, "role", "figure");
    set(gd, "aria-label", name);
    set(gd, "aria-describedby", descriptionId);
  }
}

// A chart that does not move: only its name, its sentence (visually hidden, for a screen reader: the page shows
// it beside the chart) and, on demand, its numbers as a table.
export function describeChart(root, options) {
  const doc = root.ownerDocument;
  installStyle(doc);
  const uid = "sc" + (++idSeed);
  root.classList.add("sc-player", "sc-still");
  root.innerHTML = `<p class="sc-sr" id="${uid}-desc"></p>` + (options.table ? `
    <details><summary>The numbers behind the picture, as a table</summary>
      <div class="sc-scroll" tabindex="0" role="region" aria-label="The chart's numbers"></div>
    </details>` : "");
  root.querySelector(`#${uid}-desc`).textContent = options.description || "";
  const details = root.querySelector("details");
  if (details) {
    const scroll = root.querySelector(".sc-scroll");
    details.addEventListener("toggle", () => {
      if (details.open && !scroll.firstChild) scroll.appendChild(buildTable(doc, options.table));
    });
  }
  const name = () => nameCharts(options.panels().filter(Boolean), options.name, `${uid}-desc`);
  name();
  // Streamlit draws (and redraws) the chart after this element: name it again as it comes.
  const timer = doc.defaultView.setInterval(name, 700);
  return () => doc.defaultView.clearInterval(timer);
}

function buildTable(doc, table) {
  const element = doc.createElement("table");
  const caption = element.createCaption();
  caption.textContent = table.caption;
  const head = element.createTHead().insertRow();
  for (const name of table.header) {
    const cell = doc.createElement("th");
    cell.scope = "col";
    cell.textContent = name;
    head.appendChild(cell);
  }
  const body = element.createTBody();
  for (const row of table.rows) {
    const tr = body.insertRow();
    row.forEach((value, i) => {
      const cell = doc.createElement(i === 0 ? "th" : "td");
      if (i === 0) cell.scope = "row";
      cell.textContent = value;
      tr.appendChild(cell);
    });
  }
  return element;
}

// --- the Streamlit element (ui/player.py) -----------------------------------------------------------------

function decode(data) {
  if (data && typeof data === "object" && !(data instanceof Uint8Array) && !(data instanceof ArrayBuffer)
      && !ArrayBuffer.isView(data)) return data;
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : data;
  return JSON.parse(new TextDecoder().decode(bytes));
}

export default function (component) {
  const { parentElement } = component;
  const data = decode(component.data);
  const doc = parentElement.ownerDocument || document;
  let root = parentElement.querySelector(":scope > .sc-root");
  if (!root) {
    root = doc.createElement("div");
    root.className = "sc-root";
    parentElement.appendChild(root);
  }
  const options = {
    id: data.id, name: data.name, description: data.description, size: data.size, table: data.table,
    panels: () => data.panels.map((key) => doc.querySelector(`.st-key-${CSS.escape(key)} .js-plotly-plot`)),
  };
  if (!data.motion) {
    root.innerHTML = "";
    const stop = describeChart(root, options);
    return () => { stop(); root.remove(); };
  }
  if (root.scPlayer) {
    root.scPlayer.load(data.motion, options);
  } else {
    createPlayer(root, data.motion, options);
  }
  return () => {
    if (root.scPlayer) root.scPlayer.destroy();
    root.scPlayer = null;
    root.remove();
  };
}
