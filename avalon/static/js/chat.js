// The chat list and its form, and the log of what happened in the room.
import { $, clockText, el, put } from "./dom.js";
import { sendEnvelope } from "./socket.js";
import { app, myId, newId, remember } from "./state.js";
import { t } from "./text.js";

const CHAT_KEEP = 500; // chat messages kept on screen
const LOG_KEEP = 200; // log lines kept on screen
const NEAR_BOTTOM_PX = 40; // a chat scrolled this close to its end follows new messages

/** Add chat messages not shown yet, in id order, and scroll along if at the end; return
 * how many of the added ones others wrote. */
export function mergeChat(messages) {
  const log = $("#chat-log");
  const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < NEAR_BOTTOM_PX;
  let added = false;
  let fromOthers = 0;
  for (const m of messages) {
    if (!m || !Number.isInteger(m.id) || app.chatIds.has(m.id)) continue;
    app.chatIds.add(m.id);
    const node = chatNode(m);
    // Keep id order even if a late batch arrives after newer messages.
    let before = null;
    for (let child = log.lastElementChild; child; child = child.previousElementSibling) {
      if (Number(child.dataset.chatId) < m.id) break;
      before = child;
    }
    log.insertBefore(node, before);
    if (app.lastChatId === null || m.id > app.lastChatId) app.lastChatId = m.id;
    added = true;
    if (m.player_id !== myId()) fromOthers += 1;
  }
  while (log.children.length > CHAT_KEEP) log.firstElementChild.remove();
  if (added && (nearBottom || messages.length > 1)) log.scrollTop = log.scrollHeight;
  return fromOthers;
}

function chatNode(m) {
  const mine = m.player_id === myId();
  const time = m.sent_at ? new Date(m.sent_at) : null;
  const clock = time && !Number.isNaN(time.getTime()) ? clockText(time) : "";
  return el(
    "li",
    { class: mine ? "chat-msg mine" : "chat-msg", dataset: { chatId: String(m.id) } },
    el(
      "div",
      { class: "chat-meta" },
      el("span", { class: "chat-author", text: m.display_name }),
      clock ? el("time", { datetime: m.sent_at, text: clock }) : null,
    ),
    el("p", { class: "chat-text", text: m.message }),
  );
}

/** Send the chat form's message (its submit handler). */
export function onChatSubmit(event) {
  event.preventDefault();
  const input = $("#chat-input");
  const text = input.value.trim();
  if (!text) return;
  const correlationId = newId("c");
  if (sendEnvelope({ type: "chat", correlation_id: correlationId, payload: { message: text } })) {
    remember(correlationId, { what: t("what.chat"), kind: "chat", text });
    input.value = "";
  }
}

/** Add a line to the log; kind is "room" (the default), "game" or "secret". */
export function logLine(text, kind) {
  const log = $("#log");
  log.append(el("li", { class: "log-" + (kind || "room") }, el("time", { text: clockText(new Date()) }), " ", text));
  while (log.children.length > LOG_KEEP) log.firstElementChild.remove();
  log.scrollTop = log.scrollHeight;
}

/** Empty the chat and the log (another room is shown). */
export function clearChatAndLog() {
  put($("#chat-log"));
  put($("#log"));
}
