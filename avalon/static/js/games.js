// The room's finished games, each a link to its replay page. The count is the highest game
// number this browser saw finished in a game view (kept per room); between games it asks
// the server for the numbers after that one until one is missing (it may have joined late,
// or been away).
import { api } from "./api.js";
import { el } from "./dom.js";
import { app, render, storageGet, storageSet } from "./state.js";
import { t } from "./text.js";

const GAMES_PREFIX = "avalon.games."; // localStorage key per room: how many games it finished
const MAX_PROBES = 24; // requests one search for the count may make (2 log2 of the count)

const searched = new Set(); // rooms whose count was looked up on the server by this page

/** How many games room `code` has finished, as far as this browser knows. */
export function finishedGames(code) {
  const stored = Number(storageGet(GAMES_PREFIX + code));
  return Number.isInteger(stored) && stored > 0 ? stored : 0;
}

function remember(code, count) {
  if (count > finishedGames(code)) storageSet(GAMES_PREFIX + code, String(count));
}

/** Count game view g's game for its room once it is over (the ones before it also are). */
export function noteGameView(code, g) {
  if (!code || !g || !Number.isInteger(g.number)) return;
  remember(code, g.phase === "game_over" ? g.number : g.number - 1);
  // A view is of the room's latest game: the count is known, no look-up (and no 404) needed.
  searched.add(code);
}

// Whether game `number` of room `code` exists (finished or in play).
async function exists(code, number) {
  try {
    await api("GET", `/api/rooms/${encodeURIComponent(code)}/games/${number}`);
    return true;
  } catch (err) {
    if (err.code === "game_in_progress") return true;
    if (err.code === "game_not_found") return false;
    throw err;
  }
}

// The highest game number of a room, by doubling from what is known, then halving.
async function searchCount(code, known) {
  let found = known; // a number that exists (0: none known)
  let missing = null; // a number that does not
  let probes = 0;
  let next = known + 1;
  while (missing === null && probes < MAX_PROBES) {
    probes += 1;
    if (await exists(code, next)) {
      found = next;
      next = found * 2;
    } else {
      missing = next;
    }
  }
  while (missing !== null && missing - found > 1 && probes < MAX_PROBES) {
    probes += 1;
    const middle = Math.floor((found + missing) / 2);
    if (await exists(code, middle)) found = middle;
    else missing = middle;
  }
  return found;
}

/** Between games, look up whether the room finished games this browser did not see
 * (once per room and page: one request when it saw them all); the lobby is drawn again
 * when there are more. */
export function discoverGames() {
  const code = app.code;
  const room = app.room;
  if (!code || !room || !room.last_options || searched.has(code)) return;
  if (room.status !== "lobby" && room.status !== "finished") return;
  searched.add(code);
  const known = finishedGames(code);
  searchCount(code, known)
    .then((count) => {
      remember(code, count);
      if (app.code === code && count > known) render();
    })
    .catch(() => searched.delete(code)); // a failed look-up may be tried again later
}

/** The address of a game's replay page. */
export function replayUrl(code, number) {
  return `/r/${code}/games/${number}`;
}

/** Links to the replays of the room's finished games, newest first, as list items. */
export function gameItems(code) {
  const items = [];
  for (let number = finishedGames(code); number >= 1; number -= 1) {
    items.push(el("li", {}, el("a", { href: replayUrl(code, number), text: t("games.link", { number }) })));
  }
  return items;
}
