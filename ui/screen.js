// Safecracker's screen element (see ui/screen.py): reports a narrow window (and a presenter's window height),
// and marks the page with the theme in force.
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
  // The theme in force, for the page's styling (assets/style.css): the page's own background says it, and this
  // runs again whenever the theme changes.
  const [r, g, b] = (getComputedStyle(document.body).backgroundColor.match(/\d+/g) || [255, 255, 255]).map(Number);
  document.documentElement.dataset.scheme = 0.2126 * r + 0.7152 * g + 0.0722 * b < 128 ? "dark" : "light";
  if (window.__safecrackerInstalled) return;
  window.__safecrackerInstalled = true;

  let timer = null;
  window.addEventListener("resize", () => {
    clearTimeout(timer);
    timer = setTimeout(() => window.__safecrackerReport(), 300);
  });
}
