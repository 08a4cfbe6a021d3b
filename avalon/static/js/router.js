// Which view the URL shows: home at /, a room at /r/CODE (its page with a seat, or the
// join form without one), a game's replay at /r/CODE/games/N.
import { fetchRoom } from "./api.js";
import { clearChatAndLog } from "./chat.js";
import { showCommunityPage } from "./community.js";
import { $, el, put, showView } from "./dom.js";
import { showNotice } from "./notice.js";
import { leaveReplay, showReplay } from "./replay.js";
import { normaliseCode, rules } from "./rules.js";
import { connect, dropSocket, setConn } from "./socket.js";
import {
  app, clearKicked, forgetSeat, kickedName, loadSeat, markKicked, render, resetRoomState, savedName, storedSeats,
  wasKicked,
} from "./state.js";
import { listText, plural, t } from "./text.js";

// The path of a room's page; its one group is the code.
const ROOM_PATH = /^\/r\/([^/]+)\/?$/;
// The path of a game's replay: the room's code and the game's number.
const REPLAY_PATH = /^\/r\/([^/]+)\/games\/(\d+)\/?$/;

/** Show what the current URL points at. */
export function route() {
  const replay = location.pathname.match(REPLAY_PATH);
  if (replay) {
    leaveRoom();
    const code = normaliseCode(decodeURIComponent(replay[1]));
    showReplay(code || replay[1], Number(replay[2]));
    return;
  }
  leaveReplay();
  if (showCommunityPage(location.pathname)) {
    leaveRoom();
    return;
  }
  const match = location.pathname.match(ROOM_PATH);
  if (!match) {
    leaveRoom();
    showHome();
    return;
  }
  const code = normaliseCode(decodeURIComponent(match[1]));
  if (!code) {
    leaveRoom();
    showHome();
    showNotice(t("close.room_not_found"), { kind: "room" });
    return;
  }
  openRoom(code);
}

/** Go to a path of the client (a new history entry) and show it. */
export function navigate(path) {
  if (location.pathname !== path) history.pushState(null, "", path);
  route();
}

/** The home page: the forms, prefilled with the last name, and the rooms with a seat. */
export function showHome() {
  showView("home");
  document.title = t("title.home");
  const name = savedName();
  for (const id of ["#create-name", "#join-code-name"]) {
    if (!$(id).value) $(id).value = name;
  }
  const list = $("#my-rooms");
  const seats = storedSeats();
  put(list,
    ...seats.map((seat) =>
      el(
        "li",
        {},
        el("a", { href: "/r/" + seat.code, text: t("home.roomLink", { code: seat.code }) }),
        t("home.as", { name: seat.display_name || t("home.you") }),
      ),
    ),
  );
  $("#my-rooms-section").hidden = seats.length === 0;
}

function openRoom(code) {
  if (app.code !== code) {
    leaveRoom();
    resetRoomState(code);
    clearChatAndLog();
  }
  app.seat = loadSeat(code);
  $("#room-code").textContent = code;
  document.title = t("title.room", { code });
  if (app.seat) {
    showView("room");
    render();
    if (!app.ws) connect();
  } else {
    showJoin(code);
  }
}

/** Stop connecting to the room shown. */
export function leaveRoom() {
  clearTimeout(app.retryTimer);
  app.retryTimer = null;
  dropSocket();
  setConn("idle");
  app.code = null;
  app.seat = null;
}

// Whether the host let this browser's removed name back in (it is no longer on the room's
// list of removed names); the removal is then forgotten here too.
async function letBackIn(code) {
  const name = kickedName(code);
  if (!name || name === "1") return false;
  try {
    const room = await fetchRoom(code);
    if ((room.removed || []).some((r) => r.display_name === name)) return false;
  } catch (err) {
    return false;
  }
  clearKicked(code);
  return true;
}

/** The join form of a room, with who is there; `reason` explains why it is shown. */
export async function showJoin(code, reason) {
  showView("join");
  setConn("idle");
  $("#join-room-code").textContent = code;
  $("#join-error").textContent = "";
  if (reason) showNotice(reason, { kind: "seat" });
  const input = $("#join-name");
  if (!input.value) input.value = savedName();
  let kicked = wasKicked(code);
  if (kicked && (await letBackIn(code))) kicked = false;
  if (app.code !== code) return;
  setJoinable(!kicked);
  if (!kicked) input.focus();
  const info = $("#join-room-info");
  info.textContent = t(kicked ? "join.kicked" : "join.checking");
  const watch = $("#join-spectator");
  delete watch.dataset.chosen;
  if (kicked) return;
  try {
    const room = await fetchRoom(code);
    if (app.code !== code) return;
    const names = room.players.map((p) => p.display_name);
    const max = rules.max_players;
    const parts = [
      names.length
        ? plural("join.here", names.length, { names: listText(names), max })
        : t("join.nobody"),
    ];
    const playing = room.status === "in_game";
    const full = names.length >= max;
    if (room.locked) parts.push(t("join.locked"));
    else if (playing) parts.push(t("join.inGame"));
    else if (full) parts.push(t("join.full"));
    else if (room.status === "finished") parts.push(t("join.finished"));
    info.textContent = parts.join(" ");
    // A seat when there is one (also after a game); watching otherwise; unless the
    // player ticked or cleared the box while this was loading.
    if (!watch.dataset.chosen) watch.checked = playing || full;
    setJoinable(!room.locked);
  } catch (err) {
    if (app.code === code) info.textContent = err.message;
  }
}

// The join form works, or (kicked, locked) its button stays disabled.
function setJoinable(on) {
  $("#join-form button[type=submit]").disabled = !on;
  $("#join-form").dataset.closed = String(!on);
}

/** The host removed this page's seat (already forgotten): say so on the join page. */
export function kicked() {
  if (!wasKicked(app.code)) markKicked(app.code, app.seat && app.seat.display_name); // the event named it first
  showJoin(app.code, t("close.kicked"));
}

/** This page left the room (its seat forgotten): go home, saying so. */
export function leftRoom() {
  const code = app.code;
  leaveRoom();
  history.pushState(null, "", "/");
  showHome();
  showNotice(t("notice.left", { code }), { kind: "room" });
}

/** The server refused the seat (already forgotten): ask for a name again. */
export function seatRejected(text) {
  showJoin(app.code, text);
}

/** The room does not exist: forget its seat and go home, saying so. */
export function roomGone(text) {
  const gone = app.code;
  forgetSeat();
  leaveRoom();
  history.replaceState(null, "", "/");
  showHome();
  showNotice(t("close.roomGone", { text, code: gone }), { kind: "room" });
}
