// Safecracker's screen element (see ui/screen.py): reports a narrow window (and a presenter's window height).
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
}
