// A finished game's record as a list of steps to walk through: the start, every proposal
// with its votes, every quest with its fail cards, each use of the Lady of the Lake, the
// Lancelot cards, the Witch's hide, the Cleric's result, a Revealer made public, the
// assassination and the end; and what the table looks like at each step. Pure functions
// of the record (GET /api/rooms/{code}/games/{n}), no page access.

import { cardEvents, effectsBefore, momentKey, proposalKey } from "./cardboard.js";
import { lancelotQuest } from "./roleboard.js";
import { revealQuest } from "./rolelog.js";

/** The steps of a record, in the order they happened. */
export function buildSteps(record) {
  const proposals = record.proposals || [];
  const results = record.quest_results || [];
  const checks = record.lady_checks || [];
  const steps = [];
  const seen = { proposals: 0, results: 0, checks: 0, lancelot: 0 };
  const push = (kind, fields) => steps.push(Object.assign({ kind, seen: Object.assign({}, seen) }, fields));
  const lancelot = record.lancelot;
  const cards = lancelot ? (lancelot.revealed || []).slice(0, lancelot.applied ?? lancelot.revealed.length) : [];
  const reveal = revealQuest(results);
  let quest = 0;
  // Every public effect of the cards (Excalibur, announcements, Sire, Ref, plot cards), one
  // step each, where it happened among the steps below (see cardboard.js's momentKey).
  const cardEffects = cardEvents(record, String); // the texts are made with names later
  const cardSteps = (key) => {
    const start = cardEffects.next || 0;
    effectsBefore(cardEffects, key).forEach((e, at) => push("card", { quest: e.quest || quest, effect: start + at }));
  };
  push("start", { quest: 1 });
  proposals.forEach((p, index) => {
    if (p.quest !== quest) {
      quest = p.quest;
      cardSteps(momentKey(quest, "lancelot"));
      // The Lancelot cards that apply at the start of this quest, before its first team.
      cards.forEach((card, at) => {
        if (lancelotQuest(lancelot.variant, at) !== quest) return;
        seen.lancelot = at + 1;
        push("lancelot", { quest, card: at });
      });
    }
    cardSteps(proposalKey(p.quest, p.proposal, "vote"));
    seen.proposals = index + 1;
    push("proposal", { quest: p.quest, proposal: index });
    const resultIndex = p.approved ? results.findIndex((r) => r.quest === p.quest) : -1;
    if (resultIndex < 0) return;
    cardSteps(momentKey(p.quest, "result"));
    seen.results = resultIndex + 1;
    push("quest", { quest: p.quest, result: resultIndex });
    if (results[resultIndex].hidden) push("witch", { quest: p.quest, result: resultIndex });
    if (p.quest === 1 && (record.results || []).some((r) => r.kind === "cleric")) push("cleric", { quest: 1 });
    if (p.quest === reveal && Object.keys(record.revealed || {}).length) push("revealed", { quest: p.quest });
    // Check i of the Lady happened after quest 2 + i.
    const checkIndex = p.quest - 2;
    if (checkIndex >= 0 && checkIndex < checks.length && seen.checks === checkIndex) {
      cardSteps(momentKey(p.quest, "lady"));
      seen.checks = checkIndex + 1;
      push("lady", { quest: p.quest, check: checkIndex });
    }
  });
  const lastQuest = steps[steps.length - 1].quest;
  cardSteps(null); // the last quest's effects after its Lady, or of a quest never played
  if (reveal === null && Object.keys(record.revealed || {}).length) push("revealed", { quest: lastQuest });
  if (record.assassin_target !== null && record.assassin_target !== undefined) {
    push("assassination", { quest: lastQuest });
  }
  push("end", { quest: lastQuest });
  return steps;
}

// The Lancelot track as it stood at a step: the cards applied so far (a schedule's five
// are face up from the start).
function lancelotAt(record, step) {
  const lancelot = record.lancelot;
  if (!lancelot) return null;
  const applied = step.seen.lancelot || 0;
  const cards = lancelot.revealed || [];
  const shown = lancelot.variant === "schedule" ? cards : cards.slice(0, applied);
  const switches = cards.slice(0, applied).filter((card) => card === "switch").length;
  return { variant: lancelot.variant, revealed: shown, applied, switches };
}

/** Who holds the Lady of the Lake first: the seat before the first leader. */
export function firstLadyHolder(record) {
  if (!record.lady_of_the_lake) return null;
  const checks = record.lady_checks || [];
  if (checks.length) return checks[0].holder;
  const first = (record.proposals || [])[0];
  const seats = record.players || [];
  const at = first ? seats.indexOf(first.leader) : -1;
  return at < 0 ? null : seats[(at - 1 + seats.length) % seats.length];
}

/** The table at a step: leader, team, votes shown, the Lady, results so far, the end. */
export function boardAt(record, step) {
  const proposals = (record.proposals || []).slice(0, step.seen.proposals);
  const results = (record.quest_results || []).slice(0, step.seen.results);
  const checks = (record.lady_checks || []).slice(0, step.seen.checks);
  const latest = proposals[proposals.length - 1] || null;
  const first = (record.proposals || [])[0] || null;
  let lady = firstLadyHolder(record);
  if (checks.length) lady = checks[checks.length - 1].target;
  const board = {
    leader: latest ? latest.leader : first ? first.leader : null,
    proposalNumber: latest ? latest.proposal : 1,
    team: [],
    votes: null,
    lady,
    check: null, // {holder, target, alignment} of a Lady step
    target: null, // whom the Assassin named, from the assassination on
    targets: [], // everyone the Assassin named (the two lovers, the Cleric and another)
    proposals,
    results,
    quest: step.quest,
    over: step.kind === "end",
    lancelot: lancelotAt(record, step),
  };
  if (step.kind === "proposal") {
    board.team = latest.team || [];
    board.votes = latest.votes || {};
  } else if (step.kind === "quest") {
    board.team = results[results.length - 1].team || [];
  } else if (step.kind === "lady") {
    board.check = checks[checks.length - 1];
    board.lady = board.check.holder; // she passes to the target once the check is done
  }
  if (step.kind === "assassination" || step.kind === "end") {
    board.target = record.assassin_target ?? null;
    const named = record.assassination && record.assassination.targets;
    board.targets = named || (board.target === null ? [] : [board.target]);
  }
  return board;
}

/** The index of the first step of quest `quest` (its first proposal), or -1. */
export function firstStepOfQuest(steps, quest) {
  return steps.findIndex((s) => s.quest === quest && s.kind === "proposal");
}

/** The quests a record reached, in order (those with at least one proposal). */
export function questsPlayed(record) {
  return [...new Set((record.proposals || []).map((p) => p.quest))];
}
