// The notice banner (one message at a time, with an optional button) and toasts.
import { $, el } from "./dom.js";
import { app } from "./state.js";
import { t } from "./text.js";

const TOAST_MS = 6000; // a toast goes away by itself after this long

let noticeAction = null;

/** Show the banner: options {kind, label, action} give it a button. */
export function showNotice(text, options) {
  const opts = options || {};
  app.notice = opts.kind || "info";
  $("#notice").hidden = false;
  $("#notice").dataset.kind = app.notice;
  $("#notice-text").textContent = text;
  const button = $("#notice-action");
  noticeAction = opts.action || null;
  button.hidden = !noticeAction;
  button.textContent = opts.label || "";
}

/** Hide the banner. */
export function hideNotice() {
  app.notice = null;
  noticeAction = null;
  $("#notice").hidden = true;
}

/** Run the action of the banner's button (its click handler). */
export function runNoticeAction() {
  if (noticeAction) noticeAction();
}

/** Show a short message in a corner; kind "error" makes it an alert. */
export function toast(text, kind) {
  const box = el(
    "div",
    { class: "toast " + (kind || "info"), role: kind === "error" ? "alert" : "status" },
    el("span", { text }),
  );
  const close = el("button", { type: "button", class: "small", "aria-label": t("toast.dismiss"), text: t("toast.close") });
  close.addEventListener("click", () => box.remove());
  box.append(close);
  $("#toasts").append(box);
  setTimeout(() => box.remove(), TOAST_MS);
}
