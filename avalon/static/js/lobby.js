// The lobby: who is in the room, the host's game options and starting the game.
import { $, el } from "./dom.js";
import { evilCount, failsRequired, isEvil, rules, teamSizes } from "./rules.js";
import { sendAction } from "./socket.js";
import { amHost, app, myId, nameOf, players, spectators } from "./state.js";
import { numberWord, plural, t } from "./text.js";

// One member of the lobby's lists: presence, name, badges and, for the host, Remove.
function memberItem(p, me, canKick) {
  return el(
    "li",
    { class: "player", dataset: { playerId: String(p.player_id), online: String(!!p.online) } },
    el("span", { class: "presence", "aria-hidden": "true" }),
    el("span", { class: "name", text: p.display_name }),
    p.is_host ? el("span", { class: "badge host", text: t("lobby.host") }) : null,
    p.player_id === me ? el("span", { class: "badge you", text: t("lobby.you") }) : null,
    el("span", { class: "status-text", text: t(p.online ? "lobby.online" : "lobby.offline") }),
    canKick && p.player_id !== me
      ? el("button", {
          type: "button",
          class: "small danger kick",
          dataset: { kick: String(p.player_id) },
          "aria-label": t("lobby.kickLabel", { name: p.display_name }),
          text: t("lobby.kick"),
        })
      : null,
  );
}

/** Draw the lobby: players, spectators, and the options for the host. */
export function renderLobby() {
  const list = players();
  const me = myId();
  const host = amHost();
  const open = !app.room || app.room.status === "lobby";
  $("#player-count").textContent = String(list.length);
  $("#players").replaceChildren(...list.map((p) => memberItem(p, me, host && open)));
  const watchers = spectators();
  $("#spectators-section").hidden = watchers.length === 0;
  $("#spectators").replaceChildren(...watchers.map((p) => memberItem(p, me, host)));
  const watching = me !== null && watchers.some((p) => p.player_id === me);
  $("#options-form").hidden = !host || !open;
  $("#lobby-wait").hidden = host && open;
  $("#lobby-wait").textContent = t(!open ? "lobby.inGame" : watching ? "lobby.watching" : "lobby.wait");
  if (host && open) renderOptions();
}

// The checkbox of an optional role (null if the page has none for it).
function roleBox(role) {
  return $("#opt-" + role);
}

function chosenRoles() {
  return rules.optional_roles.filter((role) => roleBox(role) && roleBox(role).checked);
}

// The lobby form enforces the rules' limits before the server has to refuse anything.
function checkOptions(count, roles) {
  const { min_players: min, max_players: max } = rules;
  const seats = Math.min(max, Math.max(min, count));
  const evil = evilCount(seats);
  const good = seats - evil;
  const all = rules.required_roles.concat(roles); // Merlin and the Assassin are always in
  const evilChosen = all.filter((r) => isEvil(r)).length;
  const goodChosen = all.length - evilChosen;
  let error = "";
  if (count < min) error = t("options.tooFew", { min, count });
  else if (count > max) error = t("options.tooMany", { max, count });
  else if (evilChosen > evil) error = plural("options.tooManyEvil", evil - 1, { players: count, evil });
  else if (goodChosen > good) error = t("options.tooManyGood", { players: count, good });
  return { evil, good, evilChosen, error, seats };
}

// " (quest 4 needs two fail cards)" for each quest that needs more than one fail card.
function failsNote(seats) {
  return failsRequired(seats)
    .map((fails, index) => (fails > 1 ? t("options.questFails", { quest: index + 1, fails: numberWord(fails) }) : ""))
    .join("");
}

function renderOptions() {
  const count = players().length;
  const roles = chosenRoles();
  const check = checkOptions(count, roles);
  for (const role of rules.optional_roles) {
    const box = roleBox(role);
    if (!box) continue;
    // An evil role that no longer fits cannot be added (it can always be removed).
    box.disabled = isEvil(role) && !box.checked && check.evilChosen >= check.evil;
  }
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
  $("#options-error").textContent = check.error;
  $("#start-game").disabled = !!check.error || app.ui.busy || app.connState !== "online";
}

/** A change in the options form (its change handler). */
export function onOptionsChange(event) {
  if (event.target.id === "opt-lady") app.ui.ladyTouched = true;
  renderOptions();
}

/** Start the game with the options chosen (the options form's submit handler). */
export function onStart(event) {
  event.preventDefault();
  const roles = chosenRoles();
  const check = checkOptions(players().length, roles);
  if (check.error) {
    $("#options-error").textContent = check.error;
    return;
  }
  const order = rules.roles;
  const all = rules.required_roles.concat(roles).sort((a, b) => order.indexOf(a) - order.indexOf(b));
  sendAction("start_game", { roles: all, lady_of_the_lake: $("#opt-lady").checked }, t("what.startGame"));
}

/** A click on a Remove button in the lobby's lists. */
export function onPlayersClick(event) {
  const button = event.target.closest("button[data-kick]");
  if (!button) return;
  const id = Number(button.dataset.kick);
  sendAction("kick", { player_id: id }, t("what.kick", { name: nameOf(id) }));
}
