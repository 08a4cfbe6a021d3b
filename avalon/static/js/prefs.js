// This browser's preferences (alerts, the hidden role card), kept in localStorage, and the
// settings panel that switches them.
import { $ } from "./dom.js";
import { app, render, storageGet, storageSet } from "./state.js";
import { t } from "./text.js";

const PREF_PREFIX = "avalon.pref."; // localStorage key per preference: "1" or "0"
// Every preference and its value before the player chose one.
const DEFAULTS = { sound: true, notify: false, vibrate: true, title: true, hideRole: false };

/** The value of a preference (its default until the player chose). */
export function pref(name) {
  const stored = storageGet(PREF_PREFIX + name);
  if (stored === "1") return true;
  if (stored === "0") return false;
  return DEFAULTS[name];
}

/** Remember a preference. */
export function setPref(name, on) {
  storageSet(PREF_PREFIX + name, on ? "1" : "0");
}

/** Whether the page may show desktop notifications at all. */
function notifySupported() {
  return typeof window.Notification === "function";
}

/** Draw the settings panel from the stored preferences. */
export function renderSettings() {
  for (const box of document.querySelectorAll("#settings input[data-pref]")) {
    box.checked = pref(box.dataset.pref);
  }
  const hint = $("#pref-notify-hint");
  const box = $("#pref-notify");
  if (!notifySupported()) {
    box.checked = false;
    box.disabled = true;
    hint.textContent = t("prefs.notifyUnsupported");
  } else if (Notification.permission === "denied") {
    box.checked = false;
    hint.textContent = t("prefs.notifyDenied");
  } else {
    hint.textContent = "";
  }
  $("#pref-vibrate").disabled = typeof navigator.vibrate !== "function";
}

// Ticking "desktop notification" asks the browser's permission: browsers only allow it
// from a click, which this change handler is.
async function askNotify() {
  if (!notifySupported()) return false;
  if (Notification.permission === "granted") return true;
  if (Notification.permission === "denied") return false;
  try {
    return (await Notification.requestPermission()) === "granted";
  } catch (err) {
    return false;
  }
}

/** A change in the settings panel (its change handler). */
export async function onSettingsChange(event) {
  const box = event.target;
  const name = box.dataset && box.dataset.pref;
  if (!name) return;
  let on = box.checked;
  if (name === "notify" && on) on = await askNotify();
  setPref(name, on);
  if (name === "hideRole") app.ui.roleShown = false;
  renderSettings();
  render();
}
