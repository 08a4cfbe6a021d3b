// Avalon browser client: native modules, no build step, no dependencies. It renders from
// the latest room snapshot and game view the server sends; events only add lines to the
// log. User text always goes through textContent, never innerHTML.
//
// This module boots the client: it loads the rules, wires the page's controls, says what
// rendering the room means, and routes.
import { loadAccount, renderGroupBox, wireAccount } from "./account.js";
import { fireAlerts, rearmVibration, titleFor, unlockAudio } from "./alerts.js";
import { fetchRules } from "./api.js";
import { renderGame } from "./board.js";
import { markChat, onChatSubmit } from "./chat.js";
import { $, keepFocus } from "./dom.js";
import { renderLog } from "./gamelog.js";
import { loadMessages, translatePage, wirePicker } from "./i18n.js";
import { onCreate, onJoinByCode, onJoinFromLink } from "./home.js";
import { onOptionsChange, onStart, renderLobby } from "./lobby.js";
import { onError, onEvent, onState } from "./messages.js";
import { hideNotice, runNoticeAction, showNotice, toast } from "./notice.js";
import { onSettingsChange, renderSettings } from "./prefs.js";
import { kicked, leftRoom, roomGone, route, seatRejected } from "./router.js";
import { rules, setRules } from "./rules.js";
import { onKickClick } from "./seats.js";
import { onSocket, retrySoon } from "./socket.js";
import { app, inGame, onChange, roomUrl } from "./state.js";
import { onTabClick, renderTabs, watchWidth } from "./tabs.js";
import { has, t } from "./text.js";
import { onPauseClick } from "./timer.js";

const RULES_RETRY_BASE_MS = 1000; // first wait before loading the rules again
const RULES_RETRY_MAX_MS = 10000; // waits between attempts never grow past this

/** Draw the room shown: its lobby or its game, the share link and the tab's title. */
function renderRoom() {
  if (!app.code) return;
  const share = $("#share-url");
  share.href = "/r/" + app.code;
  share.textContent = roomUrl(app.code);
  const playing = inGame();
  $("#lobby").hidden = playing;
  $("#game").hidden = !playing;
  keepFocus(() => {
    if (playing) renderGame(app.game);
    else renderLobby();
    renderGroupBox();
  });
  renderLog(playing ? app.game : null);
  markChat();
  renderTabs();
  document.title = titleFor(t("title.room", { code: app.code }), playing ? app.game : null);
}

/** Copy the room's link to the clipboard, or show it when that is not allowed. */
async function copyLink() {
  const url = roomUrl(app.code);
  try {
    await navigator.clipboard.writeText(url);
    toast(t("toast.copied", { url }));
  } catch (err) {
    toast(t("toast.share", { url }));
  }
}

/** Put the rules' limits into the page: input lengths and numbers marked data-rule. */
function applyLimits() {
  for (const input of document.querySelectorAll("[data-limit]")) {
    const limit = rules.limits[input.dataset.limit];
    if (Number.isInteger(limit)) input.maxLength = limit;
  }
  for (const node of document.querySelectorAll("[data-rule]")) {
    const value = rules[node.dataset.rule];
    if (value !== undefined) node.textContent = String(value);
  }
}

/** Wire the page's forms, buttons and the window's events to their handlers. */
function wire() {
  $("#create-form").addEventListener("submit", onCreate);
  $("#join-code-form").addEventListener("submit", onJoinByCode);
  $("#join-form").addEventListener("submit", onJoinFromLink);
  // A box the player ticked keeps their choice when the room's details arrive.
  $("#join-spectator").addEventListener("change", (event) => {
    event.target.dataset.chosen = "true";
  });
  $("#chat-form").addEventListener("submit", onChatSubmit);
  $("#options-form").addEventListener("submit", onStart);
  $("#options-form").addEventListener("change", onOptionsChange);
  $("#options-form").addEventListener("input", onOptionsChange);
  $("#room-main").addEventListener("click", onKickClick);
  $("#settings").addEventListener("change", onSettingsChange);
  $("#test-alert").addEventListener("click", () => fireAlerts(t("alert.test"), true));
  $("#pause-timer").addEventListener("click", onPauseClick);
  $(".room-tabs").addEventListener("click", onTabClick);
  // Browsers let a page make sound only after a click or a key press.
  for (const type of ["pointerdown", "keydown"]) {
    document.addEventListener(type, unlockAudio, { capture: true, passive: true });
    // Likewise vibration: a reload loses the tap that allowed it, the first new one re-arms it.
    document.addEventListener(type, rearmVibration, { capture: true, passive: true });
  }
  watchWidth();
  $("#copy-link").addEventListener("click", copyLink);
  $("#share-url").addEventListener("click", (event) => {
    event.preventDefault();
    copyLink();
  });
  window.addEventListener("popstate", route);
  // Coming back online or to the tab: do not wait for the backoff timer.
  window.addEventListener("online", retrySoon);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") retrySoon();
  });
  onSocket({ state: onState, event: onEvent, error: onError, seatRejected, roomGone, kicked, left: leftRoom });
  renderSettings();
  onChange(renderRoom);
  wireAccount();
}

/** Load the rules and the message table, retrying with a growing wait (cut short by the
 * notice's button). */
async function loadRules() {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const messages = has("notice.tryAgain") ? null : loadMessages(); // once loaded, kept
      const [data] = await Promise.all([fetchRules(), messages]);
      setRules(data);
      if (app.notice === "rules") hideNotice();
      return;
    } catch (err) {
      const delay = Math.min(RULES_RETRY_MAX_MS, RULES_RETRY_BASE_MS * 2 ** attempt);
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, delay);
        // Without a message table the page's own (English) sentence has to do.
        const text = has("notice.rulesFailed") ? t("notice.rulesFailed") : $("#boot-failed").textContent;
        showNotice(text, {
          kind: "rules",
          label: has("notice.tryAgain") ? t("notice.tryAgain") : "↻",
          action: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    }
  }
}

/** Start the client: nothing is routed before the rules and the messages are known. */
async function boot() {
  $("#notice-action").addEventListener("click", runNoticeAction);
  wirePicker();
  await loadRules();
  translatePage();
  applyLimits();
  wire();
  route();
  loadAccount();
}

boot();
