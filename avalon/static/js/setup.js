// The setup of a room's last game (roles, Lady, turn timer) as this browser saw it in the
// game views, kept per room so that the lobby can show it after the table went back there.
import { rules } from "./rules.js";
import { app, storageGet, storageSet } from "./state.js";
import { rolesInPlayText } from "./rolecard.js";
import { plural, t } from "./text.js";

const SETUP_PREFIX = "avalon.setup."; // localStorage key per room: the last game's setup
const ASSASSINATION_TURNS = 2; // the Assassin's turn is twice the turn timer

/** The setup of game view g (a finished game's timer as remembered from earlier views). */
export function setupOfView(g) {
  const before = app.code ? loadSetup(app.code) : null;
  const setup = {
    game_id: g.game_id,
    roles_in_play: g.roles_in_play || [],
    lady: !!g.lady,
  };
  if (g.timer && Number.isFinite(g.timer.seconds)) {
    const turns = g.phase === "assassination" ? ASSASSINATION_TURNS : 1;
    setup.turn_timer = Math.round(g.timer.seconds / turns);
  } else if (g.phase !== "game_over") {
    setup.turn_timer = null; // a game in play without a timer
  } else if (before && before.game_id === g.game_id && "turn_timer" in before) {
    setup.turn_timer = before.turn_timer; // a finished game's view no longer says
  }
  return setup;
}

/** Remember the setup of game view g for the room shown. */
export function rememberSetup(g) {
  if (!app.code || !g) return;
  const text = JSON.stringify(setupOfView(g));
  if (storageGet(SETUP_PREFIX + app.code) !== text) storageSet(SETUP_PREFIX + app.code, text);
}

/** The setup remembered for room `code`, or null. */
export function loadSetup(code) {
  try {
    const setup = JSON.parse(storageGet(SETUP_PREFIX + code) || "null");
    return setup && Array.isArray(setup.roles_in_play) ? setup : null;
  } catch (err) {
    return null;
  }
}

/** The optional roles of a setup (those the host ticks). */
export function chosenRolesOf(setup) {
  const optional = new Set(rules.optional_roles);
  return [...new Set(setup.roles_in_play)].filter((role) => optional.has(role));
}

/** A setup in words: its roles, the Lady, and the timer when known. */
export function setupText(setup) {
  const parts = [t("setup.roles", { roles: rolesInPlayText(setup.roles_in_play) })];
  parts.push(t(setup.lady ? "setup.ladyOn" : "setup.ladyOff"));
  if (setup.turn_timer === null) parts.push(t("setup.noTimer"));
  else if (Number.isFinite(setup.turn_timer)) parts.push(plural("setup.timer", setup.turn_timer));
  return parts.join(" ");
}
