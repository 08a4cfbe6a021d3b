// The lobby: who is in the room, the host's game options (roles, Lady, turn timer, seat
// order) and starting the game; everyone else sees the last game's setup.
import { $, put } from "./dom.js";
import { evilCount, failsRequired, isEvil, rules, teamSizes } from "./rules.js";
import {
  buildRoleControls, chosenRoles, onRoleToggle, presetRoles, renderRoleControls, roleOptions, setChosenRoles,
  setRoleOptions, setupProblem, setupWarning,
} from "./setupform.js";
import { buildCardControls, cardOptions, cardProblem, renderCardControls, setCardOptions } from "./cardsetup.js";
import { discoverGames, gameItems } from "./games.js";
import { botControls, memberItem, renderSeatActions } from "./seats.js";
import { chosenRolesOf, loadSetup, optionsSetup, sameSetup, setupText } from "./setup.js";
import { sendAction, sendEnvelope } from "./socket.js";
import { amHost, amSpectator, app, myId, newId, players, remember, spectators } from "./state.js";
import { numberWord, t } from "./text.js";

/** Draw the lobby: players, spectators, seat actions, and the options for the host. */
export function renderLobby() {
  const list = players();
  const me = myId();
  const host = amHost();
  const open = !app.room || app.room.status === "lobby";
  $("#player-count").textContent = String(list.length);
  put($("#players"), ...list.map((p) => memberItem(p, me, host && open)));
  const watchers = spectators();
  $("#spectators-section").hidden = watchers.length === 0;
  put($("#spectators"), ...watchers.map((p) => memberItem(p, me, host)));
  renderSeatActions("#lobby-seat-actions");
  const watching = amSpectator();
  $("#options-form").hidden = !host || !open;
  $("#lobby-wait").hidden = host && open;
  $("#lobby-wait").textContent = t(!open ? "lobby.inGame" : watching ? "lobby.watching" : "lobby.wait");
  // Everyone sees the last game's setup; the host's form starts from it.
  const { setup, key } = lastSetup();
  // The setup the host is choosing now, as it changes; else the last game's.
  const draft = app.room && app.room.draft_options;
  $("#lobby-setup").hidden = host || !(setup || draft);
  $("#lobby-setup").dataset.draft = String(!!draft);
  if (draft) $("#lobby-setup").textContent = t("setup.draft", { setup: setupText(optionsSetup(draft)) });
  else $("#lobby-setup").textContent = setup ? t("setup.last", { setup: setupText(setup) }) : "";
  const bots = botControls("lobby");
  $("#lobby-bots").hidden = !bots || !open;
  put($("#lobby-bots"), bots);
  if (host && open) {
    buildRoleControls(applyPreset); // before the last game's setup is put in it
    buildCardControls();
    if (setup && app.ui.formFrom !== key) prefill(setup, key);
    renderOptions();
  }
  renderGamesList();
}

// The last game's setup: the room's last options (the same for everyone, also on another
// device), or what this browser remembers of it, which names every role.
function lastSetup() {
  const stored = app.code ? loadSetup(app.code) : null;
  const options = app.room && app.room.last_options;
  if (!options) return { setup: stored, key: stored ? stored.game_id : null };
  const key = JSON.stringify(options);
  if (!sameSetup(stored, options)) return { setup: optionsSetup(options), key };
  const setup = Object.assign({}, stored);
  if (!("turn_timer" in setup)) setup.turn_timer = optionsSetup(options).turn_timer;
  if (optionsSetup(options).table) setup.table = optionsSetup(options).table; // the per-phase timers too
  return { setup, key };
}

// The links to the replays of the room's games, below the lobby.
function renderGamesList() {
  discoverGames();
  const items = app.code ? gameItems(app.code) : [];
  $("#games-section").hidden = items.length === 0;
  put($("#games-list"), items);
}

// Start the host's form from the last game's setup (once per game, keeping later edits).
function prefill(setup, key) {
  app.ui.formFrom = key;
  setChosenRoles(chosenRolesOf(setup));
  setRoleOptions(setup);
  if (typeof setup.lady === "boolean") {
    $("#opt-lady").checked = setup.lady;
    app.ui.ladyTouched = true;
  }
  if (setup.turn_timer === null) $("#opt-timer").checked = false;
  else if (Number.isFinite(setup.turn_timer)) {
    $("#opt-timer").checked = true;
    $("#opt-timer-seconds").value = String(setup.turn_timer);
  }
  if (typeof setup.random_seats === "boolean") $("#opt-random-seats").checked = setup.random_seats;
  if (typeof setup.bot_chat === "boolean") $("#opt-bot-chat").checked = setup.bot_chat;
  setCardOptions(setup.table);
}

// The turn timer the form asks for: null (none), seconds, or NaN when out of range.
function timerChoice() {
  if (!$("#opt-timer").checked) return null;
  const value = Number($("#opt-timer-seconds").value);
  const { min, max } = rules.turn_timer;
  return Number.isInteger(value) && value >= min && value <= max ? value : NaN;
}

// The lobby form enforces the rules before the server has to refuse anything.
function checkOptions(count, roles) {
  const seats = Math.min(rules.max_players, Math.max(rules.min_players, count));
  const evil = evilCount(seats);
  const evilChosen = roles.filter((r) => isEvil(r)).length;
  return { evil, good: seats - evil, evilChosen, error: setupProblem(count, roles), seats };
}

// A preset's roles (those that fit this table) and options; the Lady as the table's size says.
function applyPreset(name) {
  setChosenRoles(presetRoles(name, players().length));
  setRoleOptions(rules.setup_presets[name] || {});
  app.ui.ladyTouched = false;
  onOptionsChange({ target: { id: "preset-" + name } });
}

// " (quest 4 needs two fail cards)" for each quest that needs more than one fail card.
function failsNote(seats) {
  return failsRequired(seats)
    .map((fails, index) => (fails > 1 ? t("options.questFails", { quest: index + 1, fails: numberWord(fails) }) : ""))
    .join("");
}

function renderOptions() {
  buildRoleControls(applyPreset);
  const count = players().length;
  const roles = chosenRoles();
  const check = checkOptions(count, roles);
  renderRoleControls(count);
  buildCardControls();
  if (!app.ui.ladyTouched) $("#opt-lady").checked = count >= rules.lady_default_min_players;
  const lead =
    count < rules.min_players
      ? t("options.leadWaiting", { min: rules.min_players })
      : t("options.leadCount", { count });
  $("#options-summary").textContent = t("options.summary", {
    lead,
    good: check.good,
    evil: check.evil,
    chosen: check.evilChosen,
    sizes: teamSizes(check.seats).join(t("list.comma")),
    fails: failsNote(check.seats),
  });
  const timer = timerChoice();
  const { min, max } = rules.turn_timer;
  $("#timer-seconds-row").hidden = !$("#opt-timer").checked;
  $("#opt-timer-seconds").min = String(min);
  $("#opt-timer-seconds").max = String(max);
  $("#opt-timer-hint").textContent = t("options.timerHint");
  renderCardControls();
  const error = check.error || (Number.isNaN(timer) ? t("options.timerRange", { min, max }) : "") || cardProblem();
  $("#options-error").textContent = error;
  $("#options-warning").textContent = error ? "" : setupWarning(roles);
  $("#start-game").disabled = !!error || app.ui.busy || app.connState !== "online";
}

const SETUP_DEBOUNCE_MS = 300; // the host's setup is shared once the clicks settle
let setupTimer = null;

/** A change in the options form (its change handler): redraw, and share it with the table. */
export function onOptionsChange(event) {
  if (event.target.id === "opt-lady") app.ui.ladyTouched = true;
  if (event.type === "change" && event.target.name === "role") onRoleToggle(event.target);
  renderOptions();
  clearTimeout(setupTimer);
  setupTimer = setTimeout(shareSetup, SETUP_DEBOUNCE_MS);
}

// Send the setup being chosen (`setup`), without blocking the form while it travels.
function shareSetup() {
  const options = formOptions();
  if (!amHost() || !options) return;
  const correlationId = newId("s");
  const payload = Object.assign({ action: "setup" }, { options });
  if (sendEnvelope({ type: "action", correlation_id: correlationId, payload })) {
    remember(correlationId, { what: t("what.setup"), kind: "setup" });
  }
}

// The options the form says now (roles in the rules' order), or null when not valid.
function formOptions() {
  const roles = chosenRoles();
  const turnTimer = timerChoice();
  if (Number.isNaN(turnTimer)) return null;
  return Object.assign(
    {
      roles,
      lady_of_the_lake: $("#opt-lady").checked,
      turn_timer: turnTimer,
      random_seats: $("#opt-random-seats").checked,
      bot_chat: $("#opt-bot-chat").checked,
    },
    roleOptions(roles),
    cardOptions(), // the Lady's kind (agreeing with lady_of_the_lake), the cards, the per-phase timers
  );
}

/** Start the game with the options chosen (the options form's submit handler). */
export function onStart(event) {
  event.preventDefault();
  const check = checkOptions(players().length, chosenRoles());
  if (check.error || Number.isNaN(timerChoice()) || cardProblem()) {
    renderOptions();
    return;
  }
  const options = formOptions();
  sendAction("start_game", options, t("what.startGame"));
}
