// The chat list and its form, and the log of what happened in the room.
import { $, clockText, el, put } from "./dom.js";
import { sendEnvelope } from "./socket.js";
import { app, findPlayer, myId, nameOf, newId, remember, seatColour } from "./state.js";
import { has, t } from "./text.js";

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
    markMessage(node);
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
    {
      class: mine ? "chat-msg mine" : "chat-msg",
      dataset: { chatId: String(m.id), playerId: String(m.player_id), channel: m.channel || "all" },
    },
    el(
      "div",
      { class: "chat-meta" },
      // The seat's colour, as on the table: a dot a name cannot imitate.
      el("span", { class: "seat-dot", "aria-hidden": "true" }),
      el("span", { class: "chat-author", text: m.display_name }),
      // Badges are the page's own: names with brackets or "host" in them are refused.
      el("span", { class: "badge host chat-host", text: t("chat.host"), hidden: true }),
      m.channel === "spectators" ? el("span", { class: "badge chat-spectators", text: t("chat.spectators") }) : null,
      clock ? el("time", { datetime: m.sent_at, text: clock }) : null,
    ),
    el("p", { class: m.channel === "bot" ? "chat-text bot-line" : "chat-text", text: messageText(m) }),
  );
}

// A computer player's line ("key:player[:side]") in the reader's language; people's
// messages as they wrote them.
function messageText(m) {
  if (m.channel !== "bot") return m.message;
  const [key, player, side] = m.message.split(":");
  if (!has("botLine." + key)) return m.message;
  const sideText = side && has("botLine.side." + side) ? t("botLine.side." + side) : "";
  return t("botLine." + key, { name: nameOf(Number(player)), side: sideText });
}

/** Give each message its author's seat colour and host mark as they are now (seats
 * change at each game, the host may change). */
export function markChat() {
  for (const item of $("#chat-log").children) markMessage(item);
}

function markMessage(item) {
  const id = Number(item.dataset.playerId);
  const colour = seatColour(id);
  const dot = item.querySelector(".seat-dot");
  if (dot) dot.dataset.colour = colour === null ? "" : String(colour);
  const member = findPlayer(id);
  const host = item.querySelector(".chat-host");
  if (host) host.hidden = !(member && member.is_host);
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

/** Add a line to this visit's room log (joins, seats, the lock): the game's own log is
 * rebuilt from its view (gamelog.js). */
export function logLine(text) {
  const log = $("#room-log");
  log.append(el("li", { class: "log-room" }, el("time", { text: clockText(new Date()) }), " ", text));
  while (log.children.length > LOG_KEEP) log.firstElementChild.remove();
  log.scrollTop = log.scrollHeight;
}

/** Empty the chat and the log (another room is shown). */
export function clearChatAndLog() {
  put($("#chat-log"));
  put($("#log"));
  put($("#room-log"));
}
