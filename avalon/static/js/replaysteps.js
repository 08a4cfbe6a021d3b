// A finished game's record as a list of steps to walk through: the start, every proposal
// with its votes, every quest with its fail cards, each use of the Lady of the Lake, the
// assassination and the end; and what the table looks like at each step. Pure functions
// of the record (GET /api/rooms/{code}/games/{n}), no page access.

/** The steps of a record, in the order they happened. */
export function buildSteps(record) {
  const proposals = record.proposals || [];
  const results = record.quest_results || [];
  const checks = record.lady_checks || [];
  const steps = [];
  const seen = { proposals: 0, results: 0, checks: 0 };
  const push = (kind, fields) => steps.push(Object.assign({ kind, seen: Object.assign({}, seen) }, fields));
  push("start", { quest: 1 });
  proposals.forEach((p, index) => {
    seen.proposals = index + 1;
    push("proposal", { quest: p.quest, proposal: index });
    const resultIndex = p.approved ? results.findIndex((r) => r.quest === p.quest) : -1;
    if (resultIndex < 0) return;
    seen.results = resultIndex + 1;
    push("quest", { quest: p.quest, result: resultIndex });
    // Check i of the Lady happened after quest 2 + i.
    const checkIndex = p.quest - 2;
    if (checkIndex >= 0 && checkIndex < checks.length && seen.checks === checkIndex) {
      seen.checks = checkIndex + 1;
      push("lady", { quest: p.quest, check: checkIndex });
    }
  });
  const lastQuest = steps[steps.length - 1].quest;
  if (record.assassin_target !== null && record.assassin_target !== undefined) {
    push("assassination", { quest: lastQuest });
  }
  push("end", { quest: lastQuest });
  return steps;
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
    proposals,
    results,
    quest: step.quest,
    over: step.kind === "end",
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
  if (step.kind === "assassination" || step.kind === "end") board.target = record.assassin_target ?? null;
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
