// The action panel of the game: what this player can do now (pick a team, vote, play a
// card, use the Lady, name Merlin) or whom the game waits for.
import { $, el, keepFocus, put, redrawWaitsForPress } from "./dom.js";
import { forcedVariant, isAssassin, roleSpec } from "./rules.js";
import { ladyOfTheSea } from "./cardboard.js";
import { cardPanel, excaliburChooser, excaliburReady, onCardRedraw } from "./cardmoves.js";
import { assassinationPanel, onRedraw, witchPanel } from "./rolemoves.js";
import { sendAction, sendVote } from "./socket.js";
import { app, awaited, myId, nameOf, namesOf, nameWithYou } from "./state.js";
import { t } from "./text.js";

function button(id, text, cls, disabled, onClick) {
  return el("button", { type: "button", id, class: cls, disabled, onclick: onClick, text });
}

function playCard(g, success) {
  // A card the role may not play (a good player's Fail, a Lunatic's Success) is refused by
  // the server, and said like any other refusal.
  const good = g.you && g.you.alignment === "good";
  const refusal = success ? t("action.mustFail") : good ? t("action.goodCannotFail") : t("action.mustSucceed");
  sendAction("play_quest", { success }, t("what.playCard"), refusal);
}

// Whether some role of this game must play a given card: said to every player alike.
function forcedCards(g) {
  const forced = (g.roles_in_play || []).some((role) => !["side", undefined].includes(roleSpec(role).cards));
  return forced || !!(g.lancelot && forcedVariant(g.lancelot.variant));
}

// A quest card for a team member. Good and evil see the very same panel, both cards
// enabled and alike, so that a glance at a neighbour's screen tells nothing.
function questPanel(g, busy) {
  return [
    el("p", { id: "quest-intro", text: t("action.onQuest") }),
    el(
      "div",
      { class: "buttons quest-cards" },
      button("quest-success", t("action.success"), "card-success", busy, () => playCard(g, true)),
      button("quest-fail", t("action.fail"), "card-fail", busy, () => playCard(g, false)),
    ),
    el("p", { id: "quest-rule", class: "hint", text: t("action.questRule") }),
    forcedCards(g) ? el("p", { id: "quest-forced", class: "hint", text: t("action.questForced") }) : null,
  ];
}

function waitingText(ids) {
  return ids.length ? t("action.waiting", { names: namesOf(ids) }) : "";
}

/** Draw the panel of moves for the game view g (once a press under way has ended). */
export function renderActionPanel(g) {
  const panel = $("#action-panel");
  if (redrawWaitsForPress(panel, () => app.game && renderActionPanel(app.game))) return;
  panel.dataset.phase = g.phase;
  panel.dataset.version = String(g.version); // the view it was drawn from (tests wait on it)
  const me = myId();
  const you = g.you;
  const busy = app.ui.busy;
  const nodes = [];
  const cards = cardPanel(g); // Excalibur, the Lady's announcement, the Sire, the Ref, the plot cards
  if (cards) {
    nodes.push(...cards);
  } else if (g.phase === "team_building" && g.leader === me) {
    nodes.push(teamPicker(g));
  } else if (g.phase === "voting") {
    // An Opinion Maker votes first: the others' buttons come once they have.
    if (you && awaited(g).includes(me)) {
      nodes.push(
        el("p", { text: t("action.proposes", { leader: nameOf(g.leader), team: namesOf(g.team) }) }),
        el(
          "div",
          { class: "buttons" },
          button("vote-approve", t("action.approve"), "vote-approve", busy, () => sendVote(true)),
          button("vote-reject", t("action.reject"), "vote-reject", busy, () => sendVote(false)),
        ),
      );
    } else {
      const voted = you && (g.voted || []).includes(me) ? t("action.youVoted") + " " : "";
      nodes.push(el("p", { id: "waiting", text: voted + waitingText(awaited(g)) }));
    }
  } else if (g.phase === "questing") {
    const mine = you && (g.team || []).includes(me) && !(g.played || []).includes(me);
    if (mine) nodes.push(...questPanel(g, busy));
    else {
      const played = t("action.cardsPlayed", { played: (g.played || []).length, size: (g.team || []).length });
      nodes.push(el("p", { id: "waiting", text: played + " " + waitingText(awaited(g)) }));
    }
  } else if (g.phase === "lady" && g.lady && g.lady.holder === me) {
    const targets = g.players.filter((id) => !g.lady.ineligible.includes(id));
    const sea = ladyOfTheSea(g);
    const what = t(sea ? "what.useLadySea" : "what.useLady");
    nodes.push(targetPicker(g, targets, t("action.examine"), "lady_of_the_lake", what, "use-lady", t("picker.lady")));
  } else if (g.phase === "witch" && !Number.isInteger(g.witch_checker) && you) {
    nodes.push(...witchPanel(busy));
  } else if (g.phase === "witch" && g.witch_checker === me) {
    const targets = g.players.filter((id) => id !== me);
    nodes.push(targetPicker(g, targets, t("action.check"), "loyalty_check", t("what.check"), "loyalty-check", t("picker.check")));
  } else if (g.phase === "assassination" && you && isAssassin(you.role)) {
    // The Assassin may not name a teammate it sees: those are not offered.
    nodes.push(...assassinationPanel(g));
  } else if (g.phase === "witch" && !Number.isInteger(g.witch_checker)) {
    nodes.push(el("p", { id: "waiting", text: t("action.waitingWitch") }));
  } else if (g.phase === "assassination") {
    nodes.push(el("p", { id: "waiting", text: t("action.waitingAssassin") }));
  } else if (g.phase !== "game_over") {
    nodes.push(el("p", { id: "waiting", text: waitingText(awaited(g)) }));
  }
  put(panel, ...nodes);
}

// The leader's form: tick exactly the quest's team size of players, then propose.
function teamPicker(g) {
  const size = g.team_sizes[g.quest - 1];
  const key = `${g.game_id}:${g.quest}:${g.proposal}`;
  if (app.ui.teamKey !== key) {
    app.ui.teamKey = key;
    app.ui.team = new Set();
    app.ui.excalibur = null;
  }
  const chosen = app.ui.team;
  const full = chosen.size >= size;
  const boxes = g.players.map((id) =>
    el(
      "label",
      { class: "check pick" },
      el("input", {
        type: "checkbox",
        id: "pick-" + id,
        value: String(id),
        checked: chosen.has(id),
        disabled: !chosen.has(id) && full,
        onchange: (event) => {
          if (event.target.checked) chosen.add(id);
          else chosen.delete(id);
          keepFocus(() => renderActionPanel(app.game));
        },
      }),
      " " + nameWithYou(id),
    ),
  );
  return el(
    "form",
    {
      id: "team-form",
      class: "picker",
      dataset: { size: String(size) },
      onsubmit: (event) => {
        event.preventDefault();
        if (chosen.size !== size || !excaliburReady(g)) return;
        const team = g.players.filter((id) => chosen.has(id));
        const sword = excaliburChooser(g, chosen) ? { excalibur: app.ui.excalibur } : {};
        sendAction("propose_team", Object.assign({ players: team }, sword), t("what.proposeTeam"));
      },
    },
    el("fieldset", {}, el("legend", { text: t("picker.team", { size, quest: g.quest }) }), boxes),
    el("p", { id: "team-count", class: "hint", text: t("picker.chosen", { chosen: chosen.size, size }) }),
    excaliburChooser(g, chosen),
    el("button", {
      type: "submit",
      id: "propose-team",
      class: "primary",
      disabled: chosen.size !== size || !excaliburReady(g) || app.ui.busy,
      text: t("picker.propose"),
    }),
  );
}

// One player to choose (for the Lady or a loyalty check), then confirm.
function targetPicker(g, targets, label, action, what, buttonId, legend) {
  const key = `${g.game_id}:${g.phase}:${g.quest}`;
  if (app.ui.targetKey !== key) {
    app.ui.targetKey = key;
    app.ui.target = null;
  }
  const radios = targets.map((id) =>
    el(
      "label",
      { class: "check pick" },
      el("input", {
        type: "radio",
        name: "target",
        id: "target-" + id,
        value: String(id),
        checked: app.ui.target === id,
        onchange: () => {
          app.ui.target = id;
          keepFocus(() => renderActionPanel(app.game));
        },
      }),
      " " + nameOf(id),
    ),
  );
  return el(
    "form",
    {
      id: "target-form",
      class: "picker",
      onsubmit: (event) => {
        event.preventDefault();
        if (app.ui.target === null) return;
        sendAction(action, { target: app.ui.target }, what);
      },
    },
    el("fieldset", {}, el("legend", { text: legend }), radios),
    el("button", {
      type: "submit",
      id: buttonId,
      class: "primary",
      disabled: app.ui.target === null || app.ui.busy,
      text: label,
    }),
  );
}

onRedraw(renderActionPanel);
onCardRedraw(renderActionPanel);
