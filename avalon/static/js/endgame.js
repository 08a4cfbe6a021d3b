// The end of a game: who won and why, whom the Assassin named, every role, the link to
// its replay; and the card between games: the table for the next one, taking a seat, the
// host's computer players, Play again and Back to lobby, the replays of the room's games.
import { $, el, put, redrawWaitsForPress } from "./dom.js";
import { isEvil } from "./rules.js";
import { gameItems, replayUrl } from "./games.js";
import { botControls, memberLists, renderSeatActions } from "./seats.js";
import { setupOfView, setupText } from "./setup.js";
import { sendAction } from "./socket.js";
import { assassinationText } from "./named.js";
import { amHost, app, nameOf, namesOf, nameWithYou } from "./state.js";
import { alignmentText, reasonText, roleLabel, t } from "./text.js";

function sideOf(role) {
  return isEvil(role) ? "evil" : "good";
}

// "Ann, the Assassin, named Ben, who was Percival." (or the lovers, Guinevere, the Cleric)
function assassinationTextOf(g) {
  return assassinationText(g.assassination, g.roles, nameOf, namesOf);
}

/** Draw the end screen of game view g (hidden while the game is on). */
export function renderGameOver(g) {
  const box = $("#game-over");
  if (g.phase !== "game_over") {
    box.hidden = true;
    put(box);
    return;
  }
  box.hidden = false;
  box.dataset.winner = g.winner || "";
  const roles = g.roles || {};
  const a = g.assassination;
  const named = new Set(a ? a.targets || [a.target] : []);
  const reveal = g.players.map((id) => {
    const role = roles[String(id)];
    const side = role ? sideOf(role) : "";
    return el(
      "li",
      { dataset: { playerId: String(id), role: role || "" } },
      el("span", { class: "name", text: nameWithYou(id) }),
      t("over.dash"),
      el("span", {
        class: "badge " + side,
        text: role ? t("over.role", { role: roleLabel(role), side: alignmentText(side) }) : t("over.unknown"),
      }),
      named.has(id) ? el("span", { class: "badge target", text: t("over.named") }) : null,
    );
  });
  const namedText = assassinationTextOf(g);
  put(box,
    el("h2", {
      id: "winner",
      text: t(g.winner === "good" ? "over.winner.good" : g.winner === "evil" ? "over.winner.evil" : "over.winner.none"),
    }),
    el("p", { id: "over-reason", text: reasonText(g.reason) }),
    namedText ? el("p", { id: "assassination", class: "assassination", text: namedText }) : null,
    el("h3", { text: t("over.roles") }),
    el("ul", { id: "roles-reveal", class: "reveal" }, reveal),
    app.code && Number.isInteger(g.number)
      ? el("p", { class: "replay-link" },
          el("a", { id: "replay-link", href: replayUrl(app.code, g.number), text: t("over.replay", { number: g.number }) }))
      : null,
  );
}

/** Draw the card between games (after game over): the next table and its controls. */
export function renderBetween(g) {
  const box = $("#between");
  if (redrawWaitsForPress(box, () => app.game && renderBetween(app.game))) return;
  if (g.phase !== "game_over") {
    box.hidden = true;
    put(box);
    renderSeatActions("#game-seat-actions");
    return;
  }
  box.hidden = false;
  const host = amHost();
  const busy = app.ui.busy;
  const games = app.code ? gameItems(app.code) : [];
  const controls = host
    ? el(
        "div",
        { class: "buttons" },
        el("button", {
          type: "button",
          id: "play-again",
          class: "primary",
          disabled: busy,
          onclick: () => sendAction("play_again", {}, t("what.playAgain")),
          text: t("over.playAgain"),
        }),
        el("button", {
          type: "button",
          id: "back-to-lobby",
          disabled: busy,
          onclick: () => sendAction("return_to_lobby", {}, t("what.returnToLobby")),
          text: t("over.backToLobby"),
        }),
      )
    : el("p", { id: "between-wait", class: "hint", text: t("over.hostOnly") });
  put(box,
    el("h2", { id: "between-title", text: t("over.next") }),
    el("p", { id: "between-setup", class: "hint", text: t("setup.this", { setup: setupText(setupOfView(g)) }) }),
    host ? el("p", { class: "hint", text: t("over.hostHint") }) : null,
    controls,
    el("h3", { text: t("over.table") }),
    memberLists("between-players", "between-spectators"),
    botControls("between"),
    el("div", { id: "between-seat-actions", class: "seat-actions" }),
    games.length ? el("h3", { text: t("games.title") }) : null,
    games.length ? el("ul", { id: "between-games", class: "games-list" }, games) : null,
  );
  renderSeatActions("#between-seat-actions");
}
