// The setup of a room's last game (roles, Lady, turn timer) as this browser saw it in the
// game views, kept per room so that the lobby can show it after the table went back there.
import { rules, specialRoles } from "./rules.js";
import { app, storageGet, storageSet } from "./state.js";
import { cardSetup, cardSetupText } from "./cardsetup.js";
import { rolesInPlayText } from "./rolecard.js";
import { plural, t } from "./text.js";

const ROLE_OPTION_KEYS = ["lancelot_variant", "cleric_assassination"]; // options some roles bring

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
  if (g.lancelot) setup.lancelot_variant = g.lancelot.variant;
  if ("cleric_named" in g) setup.cleric_assassination = true;
  const table = cardSetup(g.options);
  if (table) setup.table = table;
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

/** The special roles of a setup (those the host ticks). */
export function chosenRolesOf(setup) {
  const chosen = new Set(setup.roles_in_play);
  return specialRoles().filter((role) => chosen.has(role));
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
  if (typeof options.bot_chat === "boolean") setup.bot_chat = options.bot_chat;
  // The options a role brings, when that role is in the setup (the rules say which).
  const roles = new Set(setup.roles_in_play);
  const owners = rules.role_options || {};
  if (roles.has(owners.lancelot_variant)) setup.lancelot_variant = options.lancelot_variant || rules.lancelot_variants[0];
  if (options.cleric_assassination && roles.has(owners.cleric_assassination)) setup.cleric_assassination = true;
  const table = cardSetup(options);
  if (table) setup.table = table;
  return setup;
}

/** Whether a setup remembered here says the same as a room's last options (it then
 * says more: every role, not only the special ones). */
export function sameSetup(setup, options) {
  if (!setup || !options) return false;
  const special = new Set(chosenRolesOf(setup));
  const asked = new Set(chosenRolesOf({ roles_in_play: options.roles || [] }));
  const sameRoles = special.size === asked.size && [...special].every((role) => asked.has(role));
  const lady = typeof options.lady_of_the_lake !== "boolean" || options.lady_of_the_lake === setup.lady;
  const same = ROLE_OPTION_KEYS.every((key) => !(key in options) || !options[key] || options[key] === setup[key]);
  return sameRoles && lady && same;
}

/** A setup in words: its roles, the Lady, the timer and the seats when known. */
export function setupText(setup) {
  const roles = rolesInPlayText(setup.roles_in_play);
  const parts = [t(setup.special ? "setup.specialRoles" : "setup.roles", { roles })];
  // The Lady in play is named: the Sea's kind is said here, not again among the cards.
  const sea = setup.lady === true && !!setup.table && setup.table.lady === "sea";
  if (typeof setup.lady === "boolean") parts.push(t(sea ? "setup.ladySeaOn" : setup.lady ? "setup.ladyOn" : "setup.ladyOff"));
  if (setup.turn_timer === null) parts.push(t("setup.noTimer"));
  else if (Number.isFinite(setup.turn_timer)) parts.push(plural("setup.timer", setup.turn_timer));
  if (setup.lancelot_variant) parts.push(t("setup.lancelot", { variant: t("lancelot.variant." + setup.lancelot_variant) }));
  if (setup.cleric_assassination) parts.push(t("setup.clericAssassination"));
  if (typeof setup.random_seats === "boolean") parts.push(t(setup.random_seats ? "setup.shuffled" : "setup.joinOrder"));
  const cards = cardSetupText(setup.table, sea);
  if (cards) parts.push(cards);
  return parts.join(" ");
}
