// Which view the URL shows: home at /, a room at /r/CODE (its page with a seat, or the
// join form without one).
import { fetchRoom } from "./api.js";
import { clearChatAndLog } from "./chat.js";
import { $, el, showView } from "./dom.js";
import { showNotice } from "./notice.js";
import { normaliseCode, rules } from "./rules.js";
import { connect, dropSocket, setConn } from "./socket.js";
import { app, forgetSeat, loadSeat, render, resetRoomState, savedName, storedSeats } from "./state.js";
import { listText, plural, t } from "./text.js";

// The path of a room's page; its one group is the code.
const ROOM_PATH = /^\/r\/([^/]+)\/?$/;

/** Show what the current URL points at. */
export function route() {
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
  list.replaceChildren(
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

/** The join form of a room, with who is there; `reason` explains why it is shown. */
export async function showJoin(code, reason) {
  showView("join");
  setConn("idle");
  $("#join-room-code").textContent = code;
  $("#join-error").textContent = "";
  if (reason) showNotice(reason, { kind: "seat" });
  const input = $("#join-name");
  if (!input.value) input.value = savedName();
  input.focus();
  const info = $("#join-room-info");
  info.textContent = t("join.checking");
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
    if (playing) parts.push(t("join.inGame"));
    else if (names.length >= max) parts.push(t("join.full"));
    info.textContent = parts.join(" ");
    if (playing || names.length >= max) $("#join-spectator").checked = true;
  } catch (err) {
    if (app.code === code) info.textContent = err.message;
  }
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
