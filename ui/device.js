// Safecracker's device element (see ui/device.py): this browser's secret, drawn here once, kept in the
// browser's own storage, and handed to the server only through the page's websocket (the element's state).
const STORAGE_KEY = "safecracker.device";
const SHAPE = /^[A-Za-z0-9_-]{43}$/;

function fresh() {
  const bytes = new Uint8Array(32);
  window.crypto.getRandomValues(bytes);
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return window.btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function kept() {
  try {
    let secret = window.localStorage.getItem(STORAGE_KEY);
    if (!SHAPE.test(secret || "")) {
      secret = fresh();
      window.localStorage.setItem(STORAGE_KEY, secret);
    }
    return secret;
  } catch (refused) {
    // A browser that keeps no storage for this site: a secret for this page only (a refresh makes a new one).
    if (!window.__safecrackerDevice) window.__safecrackerDevice = fresh();
    return window.__safecrackerDevice;
  }
}

export default function (component) {
  const { data, setStateValue } = component;
  // Sent once per session: the server then holds it in the element's state, which the browser keeps sending
  // with every rerun over the same websocket. Never written into the page, the address or a cookie.
  if (!data.known) setStateValue("device", kept());
}
