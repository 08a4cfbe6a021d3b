// What the socket's frames do: snapshots and game views replace the state, events
// update it and add log lines, errors become toasts.
import { fetchRoom } from "./api.js";
import { logLine, mergeChat } from "./chat.js";
import { $, showView } from "./dom.js";
import { hideNotice, toast } from "./notice.js";
import { noteGameView } from "./games.js";
import { rememberSetup } from "./setup.js";
import { sendPing, setConn, startHeartbeat } from "./socket.js";
import { noteChat } from "./tabs.js";
import { pongReceived, setServerTime } from "./timer.js";
import {
  amHost, app, findPlayer, markKicked, myId, nameOf, removePlayer, render, saveSeat, setBusy, setHost,
  setRoom, upsertPlayer,
} from "./state.js";
import { has, t } from "./text.js";

// Error envelopes that precede a close: the close code explains them better.
const CLOSING_ERRORS = new Set(["unauthorized", "forbidden", "room_not_found", "bad_request"]);
// Events that change nothing of the room; every other one, and each snapshot, is news a
// room read over HTTP that began before it may not hold (refreshRoom).
const QUIET_EVENTS = new Set(["chat", "pong", "token"]);
let roomNews = 0;

/** A `state` frame: the room snapshot or a game view. */
export function onState(message) {
  if (message.event === "room") {
    onSnapshot(message.payload || {});
  } else if (message.event === "game") {
    setGame(message.payload || null);
    noteGameView(app.code, app.game);
    if (app.room) {
      if (!app.game) app.room.status = "lobby";
      else app.room.status = app.game.phase === "game_over" ? "finished" : "in_game";
    }
    setBusy(false);
    render();
  }
}

function onSnapshot(payload) {
  roomNews += 1;
  app.you = payload.you || null;
  setRoom(payload.room || app.room);
  setServerTime(payload.server_time);
  if (app.you && app.seat && app.seat.display_name !== app.you.display_name) {
    app.seat.display_name = app.you.display_name;
    saveSeat(app.seat);
  }
  const missed = mergeChat(payload.chat || []);
  if (app.chatSynced) noteChat(missed); // messages missed while away count as unread
  app.chatSynced = true;
  // A snapshot is the truth, whatever version this page saw last.
  const game = payload.game || null;
  app.game = game;
  noteGameView(app.code, game);
  app.attempt = 0;
  app.everOnline = true;
  setBusy(false);
  setConn("online");
  if (app.notice === "connection" || app.notice === "seat") hideNotice();
  startHeartbeat();
  sendPing(); // a first round trip corrects the clock for the turn timer
  showView("room");
  render();
}

function setGame(view) {
  if (!view) {
    app.game = null;
    return;
  }
  const current = app.game;
  // An older version of the same game never replaces a newer one.
  if (current && current.game_id === view.game_id && view.version < current.version) return;
  app.game = view;
}

/** An `event` frame: update the state, add a line to the log. */
export function onEvent(message) {
  const p = message.payload || {};
  if (!QUIET_EVENTS.has(message.event)) roomNews += 1;
  switch (message.event) {
    case "chat":
      noteChat(mergeChat([p]));
      return;
    case "pong":
      pongReceived(message.correlation_id, p.server_time);
      return;
    case "token":
      // The seat's token, renewed past half its life: reconnects and reloads use it.
      if (app.seat && typeof p.token === "string" && p.token) {
        app.seat.token = p.token;
        saveSeat(app.seat);
      }
      return;
    case "bot_added":
    case "bot_removed":
      setRoom(p.room);
      logLine(t(message.event === "bot_added" ? "log.botAdded" : "log.botRemoved", { name: p.display_name }));
      break;
    case "player_joined":
      upsertPlayer(p, false);
      logLine(t(p.spectator ? "log.joinedToWatch" : "log.joined", { name: p.display_name }));
      break;
    case "host_changed":
      setHost(p.player_id);
      logLine(t("log.host", { name: nameOf(p.player_id) }));
      break;
    case "player_connected":
      // Someone this page has not heard of (a missed join): read the room again.
      if (!findPlayer(p.player_id)) refreshRoom();
      else upsertPlayer(p, true);
      logLine(t("log.online", { name: p.display_name }));
      break;
    case "player_disconnected":
      // A removed player's socket closes after the removal: never bring them back.
      if (findPlayer(p.player_id)) upsertPlayer(p, false);
      logLine(t("log.offline", { name: p.display_name }));
      break;
    case "player_kicked":
      if (p.player_id === myId()) {
        // The server closes this socket next: the close handler explains it.
        app.kicked = true;
        markKicked(app.code, p.display_name);
      }
      logLine(t("log.kicked", { name: p.display_name || nameOf(p.player_id) }));
      removePlayer(p.player_id);
      if (amHost()) refreshRoom(); // the room's list of removed names has one more
      break;
    case "player_removed":
      logLine(t("log.left", { name: nameOf(p.player_id) }));
      removePlayer(p.player_id);
      break;
    case "player_left":
      if (p.player_id === myId()) app.leaving = true; // the close that follows ends the visit
      logLine(t("log.left", { name: p.display_name || nameOf(p.player_id) }));
      if (p.room) setRoom(p.room);
      else removePlayer(p.player_id);
      break;
    case "seat_taken":
    case "seat_left":
      setRoom(p.room);
      logLine(t(message.event === "seat_taken" ? "log.seatTaken" : "log.seatLeft", { name: p.display_name }));
      break;
    case "room_locked":
      setRoom(p.room);
      logLine(t(p.room && p.room.locked ? "log.locked" : "log.unlocked", { name: p.display_name }));
      break;
    case "returned_to_lobby":
      if (app.game) rememberSetup(app.game);
      app.game = null;
      setRoom(p.room);
      logLine(t("log.lobby", { name: p.display_name }));
      break;
    case "timer_paused":
      // The host's pause, or its end by the host, the table's majority or the time limit.
      logLine(t(p.paused ? "log.timerPaused" : "log.timerResumed." + (p.by === "time" || p.by === "table" ? p.by : "host")));
      break;
    case "player_unbanned":
      setRoom(p.room);
      logLine(t("log.unbanned", { name: p.display_name }));
      break;
    case "setup_changed":
    case "spectator_chat":
      setRoom(p.room);
      break;
    case "end_vote_result":
      if (p && p.ended === false) toast(t("end.refused"));
      return;
    // The game's own events: the game view that follows each one says it all, and the
    // log is rebuilt from that view (gamelog.js).
    case "game_started":
    case "team_proposed":
    case "vote_cast":
    case "vote_result":
    case "quest_result":
    case "lady_used":
    case "lady_result":
    case "assassination_started":
    case "game_over":
    case "presence_line":
    case "stand_in":
    case "stand_in_ended":
    case "end_proposed":
    case "end_vote_cast":
    case "lancelot_card":
    case "role_revealed":
    case "quest_hidden":
    case "quest_shown":
    case "loyalty_check_started":
    case "loyalty_checked":
    case "cleric_named":
    case "check_result":
    case "cleric_result":
    // The cards' events: their view says it all too (no need to read the room again).
    case "excalibur_used":
    case "excalibur_result":
    case "loyalty_announced":
    case "sire_used":
    case "sire_result":
    case "ref_used":
    case "ref_result":
    case "plot_drawn":
    case "plot_card_given":
    case "plot_card_played":
    case "plot_card_skipped":
    case "shown_result":
    case "ambush_result":
    case "spotlight_card":
    case "leader_changed":
    case "approval_overturned":
      return;
    default:
      // Something changed that this client does not know about: read the room again.
      refreshRoom();
      return;
  }
  render();
}

/** An `error` frame: say what failed; a refused chat message goes back into its box. */
export function onError(message) {
  const p = message.payload || {};
  const code = p.code || message.event;
  const entry = message.correlation_id ? app.pending.get(message.correlation_id) : null;
  if (entry) app.pending.delete(message.correlation_id);
  if (!entry && CLOSING_ERRORS.has(code)) return;
  setBusy(false);
  if (entry && entry.kind === "chat") {
    const input = $("#chat-input");
    if (!input.value) input.value = entry.text;
  }
  // The server's own sentence is English: the client says it in the page's language.
  let text = has("socketError." + code) ? t("socketError." + code) : t("socketError.other", { code });
  if (entry && entry.refusal && code === "not_allowed") text = entry.refusal;
  toast(entry ? t("error.couldNot", { what: entry.what, text }) : text, "error");
  render();
}

let refreshing = null;

/** Read the room's members again over HTTP (after an event this page cannot place). An
 * answer the socket overtook (a lock right after a removal) may predate what the page
 * shows: it is read again (`tries` in all) rather than undo the newer news. */
export function refreshRoom(tries = 3) {
  if (refreshing || !app.code) return;
  const code = app.code;
  const asked = roomNews;
  let overtaken = false;
  refreshing = fetchRoom(code)
    .then((room) => {
      if (app.code !== code || !app.room) return;
      overtaken = roomNews !== asked;
      if (overtaken) return;
      const status = app.game ? app.room.status : room.status;
      setRoom(Object.assign({}, room, { status }));
      render();
    })
    .catch(() => {})
    .finally(() => {
      refreshing = null;
      if (overtaken && tries > 1) refreshRoom(tries - 1);
    });
}
