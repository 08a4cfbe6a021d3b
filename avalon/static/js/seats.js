// Who is in the room and what each can do with their place: the members' lists (with the
// host's Remove), taking a seat, watching instead, leaving the room, and the host's lock.
import { $, el, keepFocus, put } from "./dom.js";
import { confirmKick, removedList, spectatorChatToggle } from "./moderation.js";
import { rules } from "./rules.js";
import { sendAction } from "./socket.js";
import {
  amHost, amSpectator, app, betweenGames, myId, nameOf, players, render, spectators,
} from "./state.js";
import { t } from "./text.js";

// The containers seat actions can be drawn in; only the one in view holds them.
const ACTION_BOXES = ["#lobby-seat-actions", "#between-seat-actions", "#game-seat-actions"];

/** One member of a list: presence, name, badges and, for the host, Remove (a bot's
 * Remove takes it off the table: remove_bot rather than kick). */
export function memberItem(p, me, canKick) {
  const remove = p.bot
    ? { removeBot: String(p.player_id), label: t("bots.removeLabel", { name: p.display_name }) }
    : { kick: String(p.player_id), label: t("lobby.kickLabel", { name: p.display_name }) };
  return el(
    "li",
    { class: "player", dataset: { playerId: String(p.player_id), online: String(!!p.online), bot: String(!!p.bot) } },
    el("span", { class: "presence", "aria-hidden": "true" }),
    el("span", { class: "name", text: p.display_name }),
    p.bot ? el("span", { class: "badge bot", text: t("badge.bot") }) : null,
    p.is_host ? el("span", { class: "badge host", text: t("lobby.host") }) : null,
    p.player_id === me ? el("span", { class: "badge you", text: t("lobby.you") }) : null,
    el("span", { class: "status-text", text: statusText(p) }),
    canKick && p.player_id !== me
      ? el("button", {
          type: "button",
          class: "small danger kick",
          dataset: { kick: remove.kick, removeBot: remove.removeBot },
          "aria-label": remove.label,
          text: t("lobby.kick"),
        })
      : null,
  );
}

/** The room's players and spectators as two lists, with Remove where the host may. */
export function memberLists(playersId, spectatorsId) {
  const me = myId();
  const host = amHost();
  const between = betweenGames();
  return [
    el("ul", { id: playersId, class: "players" }, players().map((p) => memberItem(p, me, host && between))),
    // Spectators under their own heading: they did not play the game shown.
    spectators().length ? el("h3", { class: "spectators-title", text: t("page.spectators") }) : null,
    spectators().length
      ? el("ul", { id: spectatorsId, class: "players" }, spectators().map((p) => memberItem(p, me, host)))
      : null,
  ];
}

function actionButton(id, text, cls, onClick) {
  return el("button", { type: "button", id, class: cls, disabled: app.ui.busy, onclick: onClick, text });
}

function leaveRoomControls() {
  if (!app.ui.confirmLeave) {
    return [
      actionButton("leave-room", t("seats.leaveRoom"), "", () => {
        app.ui.confirmLeave = true;
        keepFocus(render);
        const again = $("#leave-confirm");
        if (again) again.focus();
      }),
    ];
  }
  const playing = app.room && app.room.status === "in_game" && !amSpectator();
  return [
    el("p", { id: "leave-question", text: t(playing ? "seats.leaveAsk.inGame" : "seats.leaveAsk") }),
    actionButton("leave-confirm", t("seats.leaveYes"), "danger", () => {
      app.leaving = true;
      app.ui.confirmLeave = false;
      sendAction("leave_room", {}, t("what.leaveRoom"));
    }),
    actionButton("leave-cancel", t("seats.leaveNo"), "", () => {
      app.ui.confirmLeave = false;
      render();
      const back = $("#leave-room");
      if (back) back.focus();
    }),
  ];
}

/** Draw this member's seat actions into `box` (a selector), emptying the other places. */
export function renderSeatActions(box) {
  for (const other of ACTION_BOXES) {
    const node = $(other);
    if (node && other !== box) put(node);
  }
  const node = box && $(box);
  if (!node || myId() === null) return;
  const nodes = [];
  if (betweenGames()) {
    if (amSpectator()) {
      const full = players().length >= rules.max_players;
      nodes.push(actionButton("take-seat", t("seats.take"), "primary", () => sendAction("take_seat", {}, t("what.takeSeat"))));
      if (full) {
        nodes[0].disabled = true;
        nodes.push(el("p", { class: "hint", text: t("seats.full", { max: rules.max_players }) }));
      }
    } else {
      nodes.push(actionButton("leave-seat", t("seats.watch"), "", () => sendAction("leave_seat", {}, t("what.leaveSeat"))));
    }
  }
  const locked = !!(app.room && app.room.locked);
  if (amHost()) {
    nodes.push(
      el("button", {
        type: "button",
        id: "lock-room",
        "aria-pressed": String(locked),
        disabled: app.ui.busy,
        onclick: onLockClick,
        text: t(locked ? "lock.unlock" : "lock.lock"),
      }),
    );
    nodes.push(spectatorChatToggle());
  }
  nodes.push(...leaveRoomControls());
  put(node,
    locked ? el("p", { id: "lock-status", class: "locked-note", text: t("lock.locked") }) : null,
    el("div", { class: "buttons" }, nodes),
    removedList(),
  );
}

// The host's lock button: a toggle, pressed while the room is locked.
function onLockClick() {
  const locked = !(app.room && app.room.locked);
  sendAction("lock_room", { locked }, t(locked ? "what.lock" : "what.unlock"));
}

/** A click on a Remove button in a members' list (a person's, or a bot's). */
export function onKickClick(event) {
  const button = event.target.closest("button[data-kick], button[data-remove-bot]");
  if (!button) return;
  if (button.dataset.removeBot) {
    const id = Number(button.dataset.removeBot);
    sendAction("remove_bot", { player_id: id }, t("what.removeBot", { name: nameOf(id) }));
    return;
  }
  confirmKick(Number(button.dataset.kick)); // a removal keeps the name taken: ask first
}

// A member's status words: a bot's level, else online or not.
function statusText(p) {
  if (p.bot) return t("bots.statusLevel", { level: t("bots.level." + (p.bot_level || "normal")) });
  return t(p.online ? "lobby.online" : "lobby.offline");
}

const BOT_LEVELS = ["easy", "normal", "strong"];
let botLevel = "normal"; // the host's last choice, kept while the controls are redrawn

/** The host's "Add a computer player" button, the level it plays at, and what bots are
 * for (null for others), with ids prefixed by `prefix`. */
export function botControls(prefix) {
  if (!amHost() || !betweenGames()) return null;
  const full = players().length >= rules.max_players;
  const level = el(
    "select",
    { id: prefix + "-bot-level", onchange: (event) => (botLevel = event.target.value) },
    BOT_LEVELS.map((name) => el("option", { value: name, selected: name === botLevel, text: t("bots.level." + name) })),
  );
  return el(
    "div",
    { class: "bots-controls" },
    el("label", { for: prefix + "-bot-level", text: t("bots.levelLabel") }),
    level,
    el("button", {
      type: "button",
      id: prefix + "-add-bot",
      class: "add-bot",
      disabled: full || app.ui.busy || app.connState !== "online",
      onclick: () => sendAction("add_bot", { level: botLevel }, t("what.addBot")),
      text: t("bots.add"),
    }),
    el("p", { class: "hint", text: t("bots.levelHint") }),
    el("p", {
      id: prefix + "-bots-hint",
      class: "hint",
      text: full
        ? t("seats.full", { max: rules.max_players })
        : t("bots.hint", { people: rules.min_players - 1, min: rules.min_players }),
    }),
  );
}
