// The action panel of the game: what this player can do now (pick a team, vote, play a
// card, use the Lady of the Lake, name Merlin) or whom the game waits for.
import { $, el, keepFocus, put } from "./dom.js";
import { sendAction, sendVote } from "./socket.js";
import { app, awaited, myId, nameOf, namesOf, nameWithYou } from "./state.js";
import { t } from "./text.js";

function button(id, text, cls, disabled, onClick) {
  return el("button", { type: "button", id, class: cls, disabled, onclick: onClick, text });
}

function playCard(success) {
  // A good player's Fail is refused by the server, and said like any other refusal.
  sendAction("play_quest", { success }, t("what.playCard"), success ? null : t("action.goodCannotFail"));
}

// A quest card for a team member. Good and evil see the very same panel, both cards
// enabled and alike, so that a glance at a neighbour's screen tells nothing.
function questPanel(busy) {
  return [
    el("p", { id: "quest-intro", text: t("action.onQuest") }),
    el(
      "div",
      { class: "buttons quest-cards" },
      button("quest-success", t("action.success"), "card-success", busy, () => playCard(true)),
      button("quest-fail", t("action.fail"), "card-fail", busy, () => playCard(false)),
    ),
    el("p", { id: "quest-rule", class: "hint", text: t("action.questRule") }),
  ];
}

function waitingText(ids) {
  return ids.length ? t("action.waiting", { names: namesOf(ids) }) : "";
}

/** Draw the panel of moves for the game view g. */
export function renderActionPanel(g) {
  const panel = $("#action-panel");
  panel.dataset.phase = g.phase;
  const me = myId();
  const you = g.you;
  const busy = app.ui.busy;
  const nodes = [];
  if (g.phase === "team_building" && g.leader === me) {
    nodes.push(teamPicker(g));
  } else if (g.phase === "voting") {
    if (you && !(g.voted || []).includes(me)) {
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
      const voted = you ? t("action.youVoted") + " " : "";
      nodes.push(el("p", { id: "waiting", text: voted + waitingText(awaited(g)) }));
    }
  } else if (g.phase === "questing") {
    const mine = you && (g.team || []).includes(me) && !(g.played || []).includes(me);
    if (mine) nodes.push(...questPanel(busy));
    else {
      const played = t("action.cardsPlayed", { played: (g.played || []).length, size: (g.team || []).length });
      nodes.push(el("p", { id: "waiting", text: played + " " + waitingText(awaited(g)) }));
    }
  } else if (g.phase === "lady" && g.lady && g.lady.holder === me) {
    const targets = g.players.filter((id) => !g.lady.ineligible.includes(id));
    nodes.push(targetPicker(g, targets, t("action.examine"), "lady_of_the_lake", t("what.useLady"), "use-lady"));
  } else if (g.phase === "assassination" && you && you.role === "assassin") {
    // The Assassin may not name a teammate it sees: those are not offered.
    const seen = new Set((you.sees || []).map((s) => s.player_id));
    const targets = g.players.filter((id) => id !== me && !seen.has(id));
    nodes.push(targetPicker(g, targets, t("action.nameMerlin"), "assassinate", t("what.nameMerlin"), "assassinate"));
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
        if (chosen.size !== size) return;
        const team = g.players.filter((id) => chosen.has(id));
        sendAction("propose_team", { players: team }, t("what.proposeTeam"));
      },
    },
    el("fieldset", {}, el("legend", { text: t("picker.team", { size, quest: g.quest }) }), boxes),
    el("p", { id: "team-count", class: "hint", text: t("picker.chosen", { chosen: chosen.size, size }) }),
    el("button", {
      type: "submit",
      id: "propose-team",
      class: "primary",
      disabled: chosen.size !== size || app.ui.busy,
      text: t("picker.propose"),
    }),
  );
}

// One player to choose (for the Lady of the Lake or the assassination), then confirm.
function targetPicker(g, targets, label, action, what, buttonId) {
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
  const legend = t(action === "assassinate" ? "picker.merlin" : "picker.lady");
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
