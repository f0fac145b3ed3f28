// Safecracker's screen element (see ui/screen.py): reports a narrow window, and installs the replay's keys.
export default function (component) {
  const { data, setStateValue } = component;
  const isNarrow = () => window.innerWidth < data.limit;
  // The window's height in steps of data.step px: a figure per step, not per pixel, stays cacheable.
  const tall = () => Math.floor(window.innerHeight / data.step) * data.step;
  // The newest mount's reporter, used by the one resize listener.
  window.__safecrackerReport = () => {
    if (isNarrow() !== data.narrow) setStateValue("narrow", isNarrow());
    // Only a presenter's figure follows the height: elsewhere a report would cost a rerun for nothing.
    if (data.wantHeight && tall() !== data.height) setStateValue("height", tall());
  };
  window.__safecrackerReport();
  if (window.__safecrackerInstalled) return;
  window.__safecrackerInstalled = true;

  let timer = null;
  window.addEventListener("resize", () => {
    clearTimeout(timer);
    timer = setTimeout(() => window.__safecrackerReport(), 300);
  });

  const animated = () => [...document.querySelectorAll(".js-plotly-plot")].find(
    (p) => p._transitionData && p._transitionData._frames && p._transitionData._frames.length
      && p._fullLayout && p._fullLayout.sliders && p._fullLayout.sliders.length);
  const press = (gd, label) => {
    const button = [...gd.querySelectorAll("g.updatemenu-button")].find((g) => g.textContent.includes(label));
    if (button) button.dispatchEvent(new MouseEvent("click", { bubbles: true }));
  };
  // plotly.js has no API here (Streamlit bundles it privately): press the slider's rail where step i's
  // tick is, as a finger would; plotly.js picks the nearest step and animates to it.
  const stepTo = (gd, i) => {
    const ticks = gd.querySelectorAll("rect.slider-tick-rect");
    const rail = gd.querySelector(".slider-rail-touch-rect");
    if (!ticks[i] || !rail) return;
    const t = ticks[i].getBoundingClientRect();
    const r = rail.getBoundingClientRect();
    const at = { bubbles: true, clientX: t.left + t.width / 2, clientY: r.top + r.height / 2, view: window };
    rail.dispatchEvent(new MouseEvent("mousedown", at));
    gd.dispatchEvent(new MouseEvent("mouseup", at));
  };
  document.addEventListener("keydown", (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const typing = "input, textarea, select, button, [role=slider], [role=combobox], [contenteditable=true]";
    if (e.target && e.target.closest && e.target.closest(typing)) return;
    const gd = animated();
    if (!gd) return;
    const playing = !!gd._transitionData._animationRaf;
    const forward = e.key === "ArrowRight" || e.key === "PageDown";
    const back = e.key === "ArrowLeft" || e.key === "PageUp";
    if (e.code === "Space") {
      press(gd, playing ? "Pause" : "Play");
    } else if (forward || back) {
      if (playing) press(gd, "Pause");
      const slider = gd._fullLayout.sliders[0];
      stepTo(gd, Math.max(0, Math.min(slider.steps.length - 1, slider.active + (forward ? 1 : -1))));
    } else {
      return;
    }
    e.preventDefault();
  });
}
