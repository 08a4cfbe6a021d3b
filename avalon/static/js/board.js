// The game board: the phase and the countdown, the action panel, the role card, the table
// of seats with the quest and vote tracks in its middle, the vote grid, the Lady (of the
// Lake or of the Sea) and, once the game is over, the end screen. Each part has its own module.
import { renderActionPanel } from "./actions.js";
import { alertTurn } from "./alerts.js";
import { $, el, put } from "./dom.js";
import { renderBetween, renderGameOver } from "./endgame.js";
import { renderGrid } from "./grid.js";
import { renderRecord } from "./record.js";
import { cardPhaseText } from "./cardmoves.js";
import { ladyOfTheSea, overturned, renderCardBoard } from "./cardboard.js";
import { renderRoleBoard } from "./roleboard.js";
import { renderRoleCard } from "./rolecard.js";
import { assassinPhaseText } from "./rolemoves.js";
import { rules } from "./rules.js";
import { rememberSetup } from "./setup.js";
import { renderTable, roleUncovered } from "./table.js";
import { renderTableOps } from "./tableops.js";
import { renderTimer } from "./timer.js";
import { myId, nameOf, namesOf } from "./state.js";
import { alignmentText, plural, t, winsText } from "./text.js";

/** Draw the whole board for the game view g. */
export function renderGame(g) {
  rememberSetup(g);
  const phase = phaseText(g);
  // Only a changed sentence is announced again by screen readers.
  if ($("#phase-text").textContent !== phase) $("#phase-text").textContent = phase;
  $("#turn").hidden = g.phase === "game_over"; // the end screen says it all then
  renderTimer(g);
  renderActionPanel(g);
  renderTableOps(g);
  renderGameOver(g);
  renderBetween(g);
  renderRoleCard(g);
  renderTable(g);
  renderQuests(g);
  renderVoteTrack(g);
  renderLastVote(g);
  renderLady(g);
  renderRoleBoard(g);
  renderCardBoard(g);
  renderGrid(g);
  renderRecord(g);
  alertTurn(g, phase);
}

/** The quest track's items for a view: each quest's size, what it needs, its outcome. */
export function questItems(g) {
  const items = [];
  for (let q = 1; q <= g.team_sizes.length; q += 1) {
    const result = (g.quest_results || []).find((r) => r.quest === q);
    const current = !result && q === g.quest && g.phase !== "game_over";
    // A result the Witch hid has no outcome (success null) until the game is decided.
    const hidden = !!result && (result.success === null || result.success === undefined);
    const state = hidden ? "hidden" : result ? (result.success ? "success" : "fail") : current ? "current" : "upcoming";
    const needed = g.fails_required[q - 1];
    let outcome = "";
    if (hidden) outcome = t("quest.hidden");
    else if (result) outcome = t(result.success ? "quest.success" : "quest.failed");
    else if (current) outcome = t("quest.now");
    const fails = result && result.fails > 0 ? plural("quest.failCards", result.fails) : "";
    items.push(
      el(
        "li",
        { class: "quest", dataset: { quest: String(q), state } },
        el("span", { class: "q-num", text: t("quest.number", { quest: q }) }),
        el("span", { class: "q-size", text: t("quest.size", { size: g.team_sizes[q - 1] }) }),
        needed > 1 ? el("span", { class: "q-two", text: t("quest.needs", { fails: needed }) }) : null,
        el("span", { class: "q-result", text: outcome }),
        fails ? el("span", { class: "q-fails", text: fails }) : null,
        (g.hidden_quests || []).includes(q) && !hidden ? el("span", { class: "q-hid", text: t("quest.wasHidden") }) : null,
      ),
    );
  }
  return items;
}

function renderQuests(g) {
  put($("#quests"), ...questItems(g));
}

function renderVoteTrack(g) {
  const max = rules.max_proposals;
  const dots = [];
  for (let n = 1; n <= max; n += 1) {
    dots.push(
      el("li", {
        class: "dot",
        dataset: { filled: String(n < g.proposal), current: String(n === g.proposal && g.phase !== "game_over") },
        text: String(n),
      }),
    );
  }
  put($("#vote-track"),
    el("p", { id: "proposal-text", text: t("track.proposal", { proposal: g.proposal, max }) }),
    el("ol", { class: "dots", "aria-hidden": "true" }, dots),
  );
  // Below the table, where no seat can cover it.
  $("#track-hint").textContent = t("track.hint");
}

// The sentence saying what the game waits for.
function phaseText(g) {
  const me = myId();
  const size = g.team_sizes[g.quest - 1];
  switch (g.phase) {
    case "team_building":
      return g.leader === me
        ? t("phase.leaderYou", { size, quest: g.quest })
        : t("phase.leader", { leader: nameOf(g.leader), size, quest: g.quest });
    case "voting":
      return t("phase.voting", { quest: g.quest, team: namesOf(g.team) });
    case "questing":
      return plural("phase.questing", (g.team || []).length, { team: namesOf(g.team), quest: g.quest });
    case "lady": {
      const sea = ladyOfTheSea(g);
      return g.lady && g.lady.holder === me
        ? t(sea ? "phase.ladySeaYou" : "phase.ladyYou")
        : t(sea ? "phase.ladySea" : "phase.lady", { holder: nameOf(g.lady && g.lady.holder) });
    }
    case "assassination":
      return assassinPhaseText(g);
    case "witch":
      return g.witch_checker === null || g.witch_checker === undefined
        ? t("phase.witch", { quest: g.quest })
        : g.witch_checker === me
          ? t("phase.checkYou")
          : t("phase.check", { checker: nameOf(g.witch_checker) });
    case "game_over":
      return winsText(g.winner, g.reason);
    default:
      return cardPhaseText(g);
  }
}

// The last completed vote in one line (the grid has them all).
function renderLastVote(g) {
  const history = g.history || [];
  const last = history[history.length - 1];
  if (!last) {
    $("#last-vote").textContent = "";
    return;
  }
  const values = Object.values(last.votes || {});
  // Under anonymous votes the table sees the tally alone.
  const yes = last.tally ? last.tally.approve : values.filter(Boolean).length;
  const no = last.tally ? last.tally.reject : values.length - yes;
  const undone = overturned(last); // approved, then overturned by No Confidence
  const card = t("card.no_confidence");
  $("#last-vote").textContent = t(undone ? "vote.overturned" : last.approved ? "vote.approved" : "vote.rejected", { yes, no, card });
}

function renderLady(g) {
  const box = $("#lady-info");
  if (!g.lady) {
    put(box);
    return;
  }
  const sea = ladyOfTheSea(g);
  const lines = [el("p", { id: "lady-holder", text: t(sea ? "cards.ladySeaHolds" : "lady.holds", { holder: nameOf(g.lady.holder) }) })];
  if (g.lady.checks.length) {
    const used = g.lady.checks.map((c) => t("lady.examined", { holder: nameOf(c.holder), target: nameOf(c.target) }));
    lines.push(el("p", { class: "hint", text: t("lady.checks", { checks: used.join(t("list.semicolon")) }) }));
  }
  for (const r of roleUncovered() ? g.lady_results || [] : []) {
    lines.push(
      el("p", {
        class: "lady-result",
        text: t("lady.result", { target: nameOf(r.target), alignment: alignmentText(r.alignment) }),
      }),
    );
  }
  put(box, ...lines);
}
