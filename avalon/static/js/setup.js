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

/** The setup of a game's start options ({roles, lady_of_the_lake, turn_timer,
 * random_seats}: a record's `options`, a room's `last_options`); `rolesInPlay`, when
 * known, lists every role rather than the special ones only. */
export function optionsSetup(options, rolesInPlay) {
  const setup = {
    roles_in_play: rolesInPlay || options.roles || [],
    special: !rolesInPlay, // only the special roles are known: the others are servants and minions
  };
  if (typeof options.lady_of_the_lake === "boolean") setup.lady = options.lady_of_the_lake;
  if ("turn_timer" in options) setup.turn_timer = Number.isFinite(options.turn_timer) ? options.turn_timer : null;
  if (typeof options.random_seats === "boolean") setup.random_seats = options.random_seats;
  return setup;
}

/** Whether a setup remembered here says the same as a room's last options (it then
 * says more: every role, not only the special ones). */
export function sameSetup(setup, options) {
  if (!setup || !options) return false;
  const special = new Set(chosenRolesOf(setup));
  const asked = new Set((options.roles || []).filter((role) => rules.optional_roles.includes(role)));
  const sameRoles = special.size === asked.size && [...special].every((role) => asked.has(role));
  const lady = typeof options.lady_of_the_lake !== "boolean" || options.lady_of_the_lake === setup.lady;
  return sameRoles && lady;
}

/** A setup in words: its roles, the Lady, the timer and the seats when known. */
export function setupText(setup) {
  const roles = rolesInPlayText(setup.roles_in_play);
  const parts = [t(setup.special ? "setup.specialRoles" : "setup.roles", { roles })];
  if (typeof setup.lady === "boolean") parts.push(t(setup.lady ? "setup.ladyOn" : "setup.ladyOff"));
  if (setup.turn_timer === null) parts.push(t("setup.noTimer"));
  else if (Number.isFinite(setup.turn_timer)) parts.push(plural("setup.timer", setup.turn_timer));
  if (typeof setup.random_seats === "boolean") parts.push(t(setup.random_seats ? "setup.shuffled" : "setup.joinOrder"));
  return parts.join(" ");
}
