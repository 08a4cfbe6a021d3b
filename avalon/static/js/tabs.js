// On phones the room shows one section at a time (the table, the chat or the log), picked
// with the tab bar that stays at the top; the chat's tab counts the messages not seen yet.
import { $ } from "./dom.js";
import { myTurn } from "./alerts.js";
import { app, inGame } from "./state.js";
import { plural, t } from "./text.js";

const NARROW = "(max-width: 760px)"; // below this width the sections take turns (style.css)

/** Whether the page is narrow enough to show one section at a time. */
export function narrow() {
  return window.matchMedia(NARROW).matches;
}

/** Whether the chat is in view (always on a wide page; its tab on a narrow one). */
export function chatInView() {
  return !narrow() || app.ui.tab === "chat";
}

/** Draw the tab bar and show the section picked. */
export function renderTabs() {
  $("#room-layout").dataset.tab = app.ui.tab;
  for (const button of document.querySelectorAll(".room-tabs .tab")) {
    button.setAttribute("aria-pressed", String(button.dataset.tab === app.ui.tab));
  }
  if (chatInView()) app.ui.unread = 0;
  const badge = $("#chat-unread");
  badge.hidden = app.ui.unread === 0;
  badge.textContent = app.ui.unread ? String(app.ui.unread) : "";
  const label = app.ui.unread ? plural("tabs.chatUnread", app.ui.unread) : t("tabs.chat");
  $("#tab-chat").setAttribute("aria-label", label);
  // On Chat or Log, the Table tab says when the game waits for this player, out loud too.
  const cue = narrow() && app.ui.tab !== "game" && inGame() && myTurn(app.game);
  const shown = !$("#turn-cue").hidden;
  $("#turn-cue").hidden = !cue;
  $("#tab-game").dataset.turn = String(cue);
  if (cue && !shown) $("#turn-announce").textContent = t("tabs.yourTurnAnnounce");
  if (!cue) $("#turn-announce").textContent = "";
}

/** Show a section: "game", "chat" or "log". */
export function showTab(name) {
  app.ui.tab = name;
  renderTabs();
  if (name === "chat" && narrow()) {
    const log = $("#chat-log");
    log.scrollTop = log.scrollHeight;
  }
}

/** Count chat messages that arrived out of view. */
export function noteChat(count) {
  if (chatInView() || count <= 0) return;
  app.ui.unread += count;
  renderTabs();
}

/** Redraw the tabs whenever the page crosses the narrow width (a phone turned, a window resized). */
export function watchWidth() {
  window.matchMedia(NARROW).addEventListener("change", renderTabs);
}

/** A click on the tab bar (its click handler). */
export function onTabClick(event) {
  const button = event.target.closest("button[data-tab]");
  if (button) showTab(button.dataset.tab);
}
