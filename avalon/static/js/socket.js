// The room socket: connect, reconnect with backoff, heartbeat, send envelopes, and hand
// every frame that arrives to the handlers main.js registers with onSocket().
import { $ } from "./dom.js";
import { showNotice, hideNotice, toast } from "./notice.js";
import { closeCode, closeName } from "./rules.js";
import { pingSent } from "./timer.js";
import { app, forgetSeat, newId, remember, render, setBusy } from "./state.js";
import { has, t } from "./text.js";

const BACKOFF_BASE_MS = 500; // first reconnect delay (before jitter)
const BACKOFF_MAX_MS = 10000; // reconnect delays never grow past this
const RESTART_WAIT_MS = 1500; // after "going away" (server restarting) wait 1.5 to 3 s first
const TRY_AGAIN_WAIT_MS = 2000; // after "try again" (database unavailable) wait 2 to 4 s first
const HEARTBEAT_MS = 20000; // application-level ping while connected
const DEAD_AFTER_MS = 50000; // no frame at all for this long: the socket is dead, reconnect
// The reason of the close that follows a kick (PROTOCOL section 5).
const KICKED_REASON = "removed from the room by the host";
// Connection states, shown in #conn-status (its data-state and text).
const CONN_STATES = ["idle", "connecting", "online", "reconnecting", "offline"];
// The seat's token travels as an offered subprotocol, never in the URL (proxies log URLs,
// query strings included): "avalon" beside "avalon.token.<token>"; the server answers
// "avalon" (PROTOCOL section 11).
const SUBPROTOCOL = "avalon";
const TOKEN_PROTOCOL_PREFIX = "avalon.token.";
// What a subprotocol may hold (an HTTP token); the server's tokens always fit.
const PROTOCOL_CHARS = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const handlers = {
  state: () => {}, // a `state` frame (room snapshot or game view)
  event: () => {}, // an `event` frame
  error: () => {}, // an `error` frame
  seatRejected: () => {}, // the server refused the seat (its text); the seat is forgotten
  roomGone: () => {}, // the room does not exist (its text)
  kicked: () => {}, // the host removed this seat; the seat is forgotten
  left: () => {}, // this page left the room; the seat is forgotten
};

/** Register what to do with frames and with closes that end the room's session. */
export function onSocket(given) {
  Object.assign(handlers, given);
}

/** Show the connection state; chat can only be sent while online. */
export function setConn(state) {
  app.connState = state;
  const node = $("#conn-status");
  node.dataset.state = state;
  node.textContent = CONN_STATES.includes(state) ? t("conn." + state) : state;
  const send = $("#chat-form button");
  if (send) send.disabled = state !== "online";
}

// The URL carries no token: see TOKEN_PROTOCOL_PREFIX.
function socketUrl() {
  const params = new URLSearchParams();
  params.set("player_id", String(app.seat.player_id));
  // After a first snapshot, ask only for the chat missed since the last message seen.
  if (app.chatSynced) params.set("since", String(app.lastChatId || 0));
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws/rooms/${encodeURIComponent(app.code)}?${params}`;
}

/** Open the room's socket with the seat (closing any previous one). */
export function connect() {
  clearTimeout(app.retryTimer);
  app.retryTimer = null;
  dropSocket();
  if (!app.seat || !app.code) return;
  if (!PROTOCOL_CHARS.test(app.seat.token)) {
    // A stored token that cannot travel as a subprotocol was never the server's (the
    // constructor would throw on every retry): treat it as the server's refusal.
    onClose({ code: closeCode("unauthorized"), reason: "" });
    return;
  }
  setConn(app.everOnline || app.attempt > 0 ? "reconnecting" : "connecting");
  let ws;
  try {
    // A page can set no other header on a socket than the offered subprotocols.
    ws = new WebSocket(socketUrl(), [SUBPROTOCOL, TOKEN_PROTOCOL_PREFIX + app.seat.token]);
  } catch (err) {
    scheduleReconnect();
    return;
  }
  app.ws = ws;
  ws.onopen = () => {
    app.lastFrameAt = Date.now();
  };
  ws.onmessage = (event) => {
    if (app.ws === ws) onFrame(event.data);
  };
  ws.onclose = (event) => {
    if (app.ws === ws) onClose(event);
  };
}

/** Forget the current socket without reacting to its close. */
export function dropSocket() {
  stopHeartbeat();
  const ws = app.ws;
  app.ws = null;
  if (!ws) return;
  ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
  try {
    ws.close(closeCode("normal"), "bye");
  } catch (err) {
    // Already closed.
  }
}

/** Connect again after a delay that grows with each attempt (at least `minimum` ms). */
export function scheduleReconnect(minimum) {
  clearTimeout(app.retryTimer);
  // Exponential backoff, capped, with jitter so a restarted server is not hit all at once.
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** app.attempt);
  const delay = Math.max(minimum || 0, ceiling / 2 + (Math.random() * ceiling) / 2);
  app.attempt += 1;
  setConn("reconnecting");
  app.retryTimer = setTimeout(connect, delay);
}

/** Connect again at once, from the notice's button. */
export function reconnectNow() {
  hideNotice();
  app.attempt = 0;
  connect();
}

/** Connect again at once when the network or the tab comes back, if a retry is waiting. */
export function retrySoon() {
  if (!app.retryTimer || !app.seat) return;
  app.attempt = Math.max(0, app.attempt - 1);
  connect();
}

function connectionNotice(text) {
  showNotice(text, { kind: "connection", label: t("notice.reconnect"), action: reconnectNow });
}

function onClose(event) {
  app.ws = null;
  stopHeartbeat();
  // Codes the server sends have a name (from the rules); any other (such as the
  // browser's own "abnormal closure") is a plain network failure.
  const name = closeName(event.code);
  const text = name && has("close." + name) ? t("close." + name) : null;
  if (name === "unauthorized" && (app.kicked || event.reason === KICKED_REASON)) {
    forgetSeat();
    handlers.kicked();
    return;
  }
  if (name === "normal" && app.leaving) {
    forgetSeat();
    handlers.left();
    return;
  }
  if (name === "unauthorized" || name === "bad_request") {
    forgetSeat();
    handlers.seatRejected(text);
    return;
  }
  if (name === "room_not_found") {
    handlers.roomGone(text);
    return;
  }
  if (name === "forbidden" || name === "replaced") {
    setConn("offline");
    const label = t(name === "replaced" ? "notice.useThisTab" : "notice.tryAgain");
    showNotice(text, { kind: "connection", label, action: reconnectNow });
    return;
  }
  if (text) {
    connectionNotice(text);
  } else if (app.notice !== "connection") {
    // A plain network failure: keep the server's own reason if one is already shown.
    connectionNotice(t(app.everOnline ? "close.lost" : "close.unreachable"));
  }
  // A server going down for a restart still accepts sockets for a moment, and a database
  // that is down needs a moment to come back: give them time, and spread the reconnects
  // of every player over a few seconds.
  let wait = 0;
  if (name === "going_away") wait = RESTART_WAIT_MS + Math.random() * RESTART_WAIT_MS;
  else if (name === "try_again") wait = TRY_AGAIN_WAIT_MS + Math.random() * TRY_AGAIN_WAIT_MS;
  scheduleReconnect(wait);
}

/** Ping the server regularly, and reconnect when nothing at all has arrived for too long. */
export function startHeartbeat() {
  stopHeartbeat();
  app.lastFrameAt = Date.now();
  app.heartbeatTimer = setInterval(() => {
    if (!app.ws || app.ws.readyState !== WebSocket.OPEN) return;
    if (Date.now() - app.lastFrameAt > DEAD_AFTER_MS) {
      dropSocket();
      connectionNotice(t("close.dead"));
      scheduleReconnect();
      return;
    }
    sendPing();
  }, HEARTBEAT_MS);
}

/** Send the application-level ping; its pong also tells the server's time. */
export function sendPing() {
  const correlationId = newId("p");
  if (!app.ws || app.ws.readyState !== WebSocket.OPEN) return;
  app.ws.send(JSON.stringify({ type: "system", correlation_id: correlationId, payload: { action: "ping" } }));
  pingSent(correlationId);
}

/** Stop the heartbeat. */
export function stopHeartbeat() {
  clearInterval(app.heartbeatTimer);
  app.heartbeatTimer = null;
}

/** Send an envelope if online; otherwise say so and return false. */
export function sendEnvelope(envelope) {
  if (!app.ws || app.ws.readyState !== WebSocket.OPEN || app.connState !== "online") {
    toast(t("socket.notConnected"), "error");
    return false;
  }
  app.ws.send(JSON.stringify(envelope));
  return true;
}

/** Send a game or room action; `what` completes "Could not …" if it is refused, and
 * `refusal` (optional) says why better than the server's code would. */
export function sendAction(action, fields, what, refusal) {
  const correlationId = newId("a");
  const sent = sendEnvelope({
    type: "action",
    correlation_id: correlationId,
    payload: Object.assign({ action }, fields),
  });
  if (sent) {
    remember(correlationId, { what, kind: "action", refusal });
    setBusy(true);
    render();
  }
}

/** Vote on the proposed team. */
export function sendVote(approve) {
  const correlationId = newId("v");
  if (sendEnvelope({ type: "vote", correlation_id: correlationId, payload: { approve } })) {
    remember(correlationId, { what: t("what.vote"), kind: "action" });
    setBusy(true);
    render();
  }
}

function onFrame(data) {
  app.lastFrameAt = Date.now();
  let message;
  try {
    message = JSON.parse(data);
  } catch (err) {
    return;
  }
  if (!message || typeof message !== "object") return;
  const answered = message.correlation_id && app.pending.get(message.correlation_id);
  if (answered && message.type !== "error") {
    // The server's answer to one of our moves: the next one may be sent.
    app.pending.delete(message.correlation_id);
    if (answered.kind === "action") setBusy(false);
  }
  if (message.type === "state") handlers.state(message);
  else if (message.type === "event") handlers.event(message);
  else if (message.type === "error") handlers.error(message);
}
