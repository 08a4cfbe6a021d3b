// The client's state: the room shown, its seat, the latest snapshot and game view, and the
// seats kept in localStorage. Modules change it and then call render(); main.js says what
// rendering is, through onChange().
import { listText, t } from "./text.js";

const SEAT_PREFIX = "avalon.seat."; // localStorage key per room: {code, player_id, token, display_name}
const NAME_KEY = "avalon.name"; // the last display name used, to fill the forms
const DEVICE_KEY = "avalon.device"; // this browser's random id, sent on create and join
const KICKED_PREFIX = "avalon.kicked."; // per room: the host removed this browser
const DEVICE_BYTES = 18; // random bytes of a device id (24 characters of base64url)
const BUSY_TIMEOUT_MS = 8000; // a move unanswered this long no longer blocks its buttons
const PENDING_KEEP = 50; // unanswered messages remembered, oldest forgotten first

/** The state of the page. */
export const app = {
  code: null, // the room shown, canonical
  seat: null, // {code, player_id, token, display_name}
  you: null, // the snapshot's `you`
  room: null, // {code, status, players: [{player_id, display_name, is_host, online}]}
  game: null, // the latest game view
  names: new Map(), // player id -> the last display name seen (also after they left)
  chatIds: new Set(),
  lastChatId: null,
  chatSynced: false, // a snapshot arrived: later connects ask for since=lastChatId
  ws: null,
  connState: "idle",
  everOnline: false,
  attempt: 0,
  retryTimer: null,
  heartbeatTimer: null,
  lastFrameAt: 0,
  pending: new Map(), // correlation_id -> {what, kind, text}
  nextId: 1,
  notice: null, // kind of the notice shown
  leaving: false, // this page asked to leave the room; the server's close confirms it
  kicked: false, // the host removed this page's seat; the server's close follows
  ui: {
    tab: "game", // the section shown on phones: "game", "chat" or "log"
    unread: 0, // chat messages that arrived while the chat was not in view
    confirmLeave: false, // "Leave the room" was pressed once and waits for confirmation
    roleShown: false, // the role card is uncovered (when the player hides it)
    busy: false, // a move was sent and its answer has not arrived yet
    teamKey: null,
    team: new Set(),
    targetKey: null,
    target: null,
    ladyTouched: false,
    formFrom: null, // the game whose setup the host's lobby form was filled from
  },
};

// ---- rendering on change -------------------------------------------------------------

let renderer = () => {};
let clockOffset = 0; // the server's clock minus this page's, in seconds (timer.js measures it)

/** Take the server clock's offset from this page's (seconds). */
export function setClockOffset(seconds) {
  clockOffset = seconds;
}

/** Set the function that draws the room from the state. */
export function onChange(render) {
  renderer = render;
}

/** Draw the room again after a change of the state. */
export function render() {
  renderer();
}

/** Forget everything about the room shown and start on room `code`. */
export function resetRoomState(code) {
  app.code = code;
  app.you = null;
  app.room = null;
  app.game = null;
  app.names = new Map();
  app.chatIds = new Set();
  app.lastChatId = null;
  app.chatSynced = false;
  app.everOnline = false;
  app.attempt = 0;
  app.pending.clear();
  app.leaving = false;
  app.kicked = false;
  app.ui.unread = 0;
  app.ui.confirmLeave = false;
  app.ui.roleShown = false;
  setBusy(false);
  app.ui.ladyTouched = false;
}

// While a move is on its way its buttons stay disabled (no double clicks); an answer,
// or failing that a timeout, enables them again.
let busyTimer = null;

/** Mark a move as on its way (true) or answered (false). */
export function setBusy(busy) {
  app.ui.busy = busy;
  clearTimeout(busyTimer);
  if (busy) {
    busyTimer = setTimeout(() => {
      setBusy(false);
      render();
    }, BUSY_TIMEOUT_MS);
  }
}

/** A new correlation id, e.g. "a12". */
export function newId(prefix) {
  app.nextId += 1;
  return prefix + app.nextId;
}

/** Remember a message sent, until the server answers it. */
export function remember(correlationId, entry) {
  app.pending.set(correlationId, entry);
  if (app.pending.size > PENDING_KEEP) app.pending.delete(app.pending.keys().next().value);
}

// ---- storage (a seat per room) -------------------------------------------------------

/** A value of localStorage, or null (also when storage is disabled). */
export function storageGet(key) {
  try {
    return localStorage.getItem(key);
  } catch (err) {
    return null; // storage disabled: the seat lives as long as the page
  }
}

/** Store a value in localStorage (null removes it); failures are ignored. */
export function storageSet(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch (err) {
    // Private mode or full storage: nothing to do but go on without it.
  }
}

/** The last display name used. */
export function savedName() {
  return storageGet(NAME_KEY) || "";
}

/** Remember the display name for the next form. */
export function saveName(name) {
  storageSet(NAME_KEY, name);
}

let pageDevice = null; // the id of this page when localStorage cannot keep one

/** This browser's random id (kept in localStorage; for the page's life without it). */
export function deviceId() {
  const stored = storageGet(DEVICE_KEY);
  if (stored && /^[A-Za-z0-9_-]{8,64}$/.test(stored)) return stored;
  if (!pageDevice) {
    const bytes = new Uint8Array(DEVICE_BYTES);
    crypto.getRandomValues(bytes);
    // base64url: letters, digits, "-" and "_" only, as the server asks.
    pageDevice = btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    storageSet(DEVICE_KEY, pageDevice);
  }
  return pageDevice;
}

/** Remember that the host removed this browser from room `code`, under `name` if known
 * (the host may let that name back in). */
export function markKicked(code, name) {
  storageSet(KICKED_PREFIX + code, name || "1");
}

/** Whether the host removed this browser from room `code`. */
export function wasKicked(code) {
  return !!storageGet(KICKED_PREFIX + code);
}

/** The name this browser was removed under from room `code` ("1": not known). */
export function kickedName(code) {
  return storageGet(KICKED_PREFIX + code);
}

/** Forget a removal the host undid. */
export function clearKicked(code) {
  storageSet(KICKED_PREFIX + code, null);
}

/** The seat kept for a room, or null. */
export function loadSeat(code) {
  try {
    const seat = JSON.parse(storageGet(SEAT_PREFIX + code) || "null");
    if (seat && Number.isInteger(seat.player_id) && typeof seat.token === "string") return seat;
  } catch (err) {
    // A corrupt entry is as good as none.
  }
  return null;
}

/** Keep a seat for its room. */
export function saveSeat(seat) {
  storageSet(SEAT_PREFIX + seat.code, JSON.stringify(seat));
}

/** Forget the seat of the room shown. */
export function forgetSeat() {
  if (app.code) storageSet(SEAT_PREFIX + app.code, null);
  app.seat = null;
}

/** Every seat this browser keeps. */
export function storedSeats() {
  const seats = [];
  try {
    for (let i = 0; i < localStorage.length; i += 1) {
      const key = localStorage.key(i);
      if (key && key.startsWith(SEAT_PREFIX)) {
        const seat = loadSeat(key.slice(SEAT_PREFIX.length));
        if (seat) seats.push(seat);
      }
    }
  } catch (err) {
    return [];
  }
  return seats;
}

// ---- players -------------------------------------------------------------------------

/** The seated players (who play the next game). */
export function players() {
  return (app.room && app.room.players) || [];
}

/** The spectators (who watch and chat). */
export function spectators() {
  return (app.room && app.room.spectators) || [];
}

/** A member of the room by id, player or spectator, or null. */
export function findPlayer(id) {
  return players().find((p) => p.player_id === id) || spectators().find((p) => p.player_id === id) || null;
}

/** Take the room as the server describes it (snapshot, room events, GET). */
export function setRoom(room) {
  if (!room) return;
  app.room = room;
  room.players = room.players || [];
  room.spectators = room.spectators || [];
  for (const p of room.players.concat(room.spectators)) app.names.set(p.player_id, p.display_name);
}

/** Add a member to the room, or update their name and presence. */
export function upsertPlayer(p, online) {
  if (!app.room) return;
  const existing = findPlayer(p.player_id);
  if (existing) {
    // Since when a seat is offline (the host's stand-in button waits on it), as the server counts.
    if (existing.online && !online) existing.offline_since = Date.now() / 1000 + clockOffset;
    if (online) existing.offline_since = null;
    existing.online = online;
    if (p.display_name) existing.display_name = p.display_name;
    return;
  }
  app.names.set(p.player_id, p.display_name);
  const member = {
    player_id: p.player_id,
    display_name: p.display_name,
    is_host: !!p.is_host,
    online,
  };
  if (p.spectator) {
    app.room.spectators = spectators().concat([member]);
  } else {
    app.room.players = players().concat([member]);
  }
}

/** Take a member out of the room. */
export function removePlayer(id) {
  if (!app.room) return;
  app.room.players = players().filter((p) => p.player_id !== id);
  app.room.spectators = spectators().filter((p) => p.player_id !== id);
}

/** Make member `id` the host. */
export function setHost(id) {
  for (const member of players().concat(spectators())) member.is_host = member.player_id === id;
  if (app.you) app.you.is_host = app.you.player_id === id;
}

/** This page's player id, or null. */
export function myId() {
  return app.you ? app.you.player_id : app.seat ? app.seat.player_id : null;
}

/** Whether this page's player is the host. */
export function amHost() {
  const me = findPlayer(myId());
  return me ? !!me.is_host : !!(app.you && app.you.is_host);
}

/** Whether this page's member watches (a spectator) rather than plays. */
export function amSpectator() {
  const me = myId();
  return me !== null && spectators().some((p) => p.player_id === me);
}

/** Whether the room is between games (lobby or finished), when seats may change. */
export function betweenGames() {
  return !!app.room && (app.room.status === "lobby" || app.room.status === "finished");
}

/** The colour number (0-9) of a member's seat, the same on the table and in the chat:
 * their place in the game shown, else among the room's players; null for spectators. */
export function seatColour(id) {
  const order = app.game && app.game.players ? app.game.players : players().map((p) => p.player_id);
  const at = order.indexOf(id);
  return at < 0 ? null : at % 10;
}

/** A member's display name, or "Player 7" for one this page does not know. */
export function nameOf(id) {
  if (id === null || id === undefined) return t("name.nobody");
  const p = findPlayer(id);
  if (p) return p.display_name;
  // Someone who left or was removed still has a seat in the game shown.
  if (app.names.has(id)) return app.names.get(id);
  return t("name.unknown", { id });
}

/** Members' names as a list ("Ann, Ben and Cat"). */
export function namesOf(ids) {
  return listText((ids || []).map(nameOf));
}

/** A name with " (you)" after it when it is this page's player. */
export function nameWithYou(id) {
  return id === myId() ? t("name.you", { name: nameOf(id) }) : nameOf(id);
}

/** Whether the room is playing (or showing a finished game) rather than in its lobby. */
export function inGame() {
  return !!(app.game && app.room && app.room.status !== "lobby");
}

/** The players a game view waits for. */
export function awaited(g) {
  switch (g.phase) {
    case "team_building":
      return [g.leader];
    case "voting": {
      const waiting = g.players.filter((id) => !g.voted.includes(id));
      const held = (g.plot && g.plot.held) || {};
      // An Opinion Maker votes first, openly: the others wait for them.
      const first = waiting.filter((id) => (held[String(id)] || []).some((c) => c.card === "opinion_maker"));
      return first.length ? first : waiting;
    }
    case "questing":
      return (g.team || []).filter((id) => !g.played.includes(id));
    case "lady":
      return g.lady ? [g.lady.holder] : [];
    case "witch":
      // Whom the Witch's hide chose to check someone is public; the Witch herself is not.
      return Number.isInteger(g.witch_checker) ? [g.witch_checker] : [];
    case "excalibur":
      return g.excalibur ? [g.excalibur.holder] : [];
    case "lady_announce": {
      const checks = (g.lady && g.lady.checks) || [];
      return checks.length ? [checks[checks.length - 1].holder] : [];
    }
    case "sire":
    case "ref":
      return g[g.phase] ? [g[g.phase].holder] : [];
    case "plot": {
      const queue = (g.plot && g.plot.queue) || [];
      return queue.length ? [queue[0].player] : [];
    }
    default:
      return [];
  }
}

/** The address of a room's page. */
export function roomUrl(code) {
  return location.origin + "/r/" + code;
}
