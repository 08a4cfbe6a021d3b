// The vote history grid: one row per player, one column per completed proposal (grouped
// by quest), approve or reject in each cell (under anonymous votes the same secret mark in
// every cell, the tally below), the leader and the team marked, and each quest's outcome
// above its columns. Drawn from the view's `history` alone, so a reload,
// a second tab and a late spectator all see the same grid.
import { $, el, put } from "./dom.js";
import { overturned } from "./cardboard.js";
import { nameWithYou } from "./state.js";
import { plural, t } from "./text.js";

// The history's proposals grouped by quest, in order: [{quest, proposals: [...]}].
function byQuest(history) {
  const groups = [];
  for (const p of history) {
    const last = groups[groups.length - 1];
    if (last && last.quest === p.quest) last.proposals.push(p);
    else groups.push({ quest: p.quest, proposals: [p] });
  }
  return groups;
}

function questHeading(group, results) {
  const result = results.find((r) => r.quest === group.quest);
  let outcome = "";
  if (result) {
    outcome = result.success ? t("grid.questSuccess") : t("grid.questFailed");
    if (result.fails > 0) outcome += " " + plural("grid.fails", result.fails);
  }
  return el(
    "th",
    {
      scope: "colgroup",
      colspan: String(group.proposals.length),
      class: "grid-quest",
      dataset: { outcome: result ? (result.success ? "success" : "fail") : "" },
    },
    el("span", { text: t("grid.quest", { quest: group.quest }) }),
    outcome ? el("span", { class: "grid-outcome", text: outcome }) : null,
  );
}

// One cell: ✓ or ✗ with the leader and team marks, and the same said in words.
function voteCell(p, id) {
  const key = String(id);
  // An Opinion Maker's vote was cast openly: shown even while the others' are secret.
  const open = !p.votes && !!p.open_votes && key in p.open_votes;
  const votes = open ? p.open_votes : p.votes;
  const voted = !!votes && key in votes;
  const approve = voted && votes[key];
  // An anonymous vote: every cell says it was secret, alike for every voter.
  const secret = !voted && !p.votes && !!p.tally;
  const leader = p.leader === id;
  const onTeam = (p.team || []).includes(id);
  // A vote (or the team) the timer or a stand-in made is no evidence: it is marked.
  const auto = (p.auto || []).includes(id) || (leader && !!p.auto_proposal);
  const words = [voted ? t(approve ? "grid.approved" : "grid.rejected") : t(secret ? "grid.secretVote" : "grid.noVote")];
  if (open) words.push(t("grid.openVote", { card: t("card.opinion_maker") }));
  if (leader) words.push(t("grid.leader"));
  if (onTeam) words.push(t("grid.onTeam"));
  if (auto) words.push(t("grid.auto"));
  const classes = ["vote-cell"];
  if (voted) classes.push(approve ? "approve" : "reject");
  if (secret) classes.push("secret");
  if (open) classes.push("open");
  if (leader) classes.push("leader");
  if (onTeam) classes.push("team");
  if (auto) classes.push("auto");
  return el(
    "td",
    {
      class: classes.join(" "),
      dataset: { vote: voted ? (approve ? "approve" : "reject") : secret ? "secret" : "", auto: String(auto) },
      title: auto ? t("grid.autoTitle") : null,
    },
    el("span", { class: "mark", "aria-hidden": "true", text: voted ? t(approve ? "grid.yes" : "grid.no") : secret ? t("grid.secretMark") : "" }),
    leader ? el("span", { class: "leader-mark", "aria-hidden": "true", text: t("grid.leaderMark") }) : null,
    auto ? el("span", { class: "auto-mark", "aria-hidden": "true", text: t("grid.autoMark") }) : null,
    el("span", { class: "visually-hidden", text: words.join(t("list.comma")) }),
  );
}

/** Draw the vote grid of game view g into `box` (the game's #vote-grid unless given),
 * naming each row with `nameFor`. */
export function renderGrid(g, box = $("#vote-grid"), nameFor = nameWithYou) {
  const history = g.history || [];
  if (!history.length) {
    // Under hidden history the grid's place says so, not that nobody has voted yet.
    const hidden = !!(g.options && g.options.hidden_history) && g.phase !== "game_over";
    put(box, hidden
      ? el("p", { id: "hidden-history", class: "hint", text: t("cards.hiddenHistory") })
      : el("p", { id: "grid-empty", class: "hint", text: t("grid.empty") }));
    return;
  }
  const groups = byQuest(history);
  const undone = history.map(overturned); // approved, then overturned by No Confidence
  const results = g.quest_results || [];
  const head = el(
    "thead",
    {},
    el(
      "tr",
      {},
      el("th", { scope: "col", rowspan: "2", class: "grid-corner", text: t("grid.player") }),
      groups.map((group) => questHeading(group, results)),
    ),
    el(
      "tr",
      {},
      history.map((p, at) =>
        el("th", {
          scope: "col",
          class: "grid-proposal",
          dataset: { approved: String(!!p.approved), overturned: String(undone[at]) },
          "aria-label": t(undone[at] ? "grid.proposalOverturned" : p.approved ? "grid.proposalApproved" : "grid.proposalRejected", {
            quest: p.quest,
            proposal: p.proposal,
            card: t("card.no_confidence"),
          }),
          text: t("grid.proposal", { proposal: p.proposal }),
        }),
      ),
    ),
  );
  const rows = g.players.map((id) =>
    el(
      "tr",
      { dataset: { playerId: String(id) } },
      el("th", { scope: "row", class: "grid-name", text: nameFor(id) }),
      history.map((p) => voteCell(p, id)),
    ),
  );
  const foot = el(
    "tfoot",
    {},
    el(
      "tr",
      {},
      el("th", { scope: "row", text: t("grid.result") }),
      history.map((p, at) => {
        const yes = p.tally ? p.tally.approve : Object.values(p.votes || {}).filter(Boolean).length;
        const no = p.tally ? p.tally.reject : Object.keys(p.votes || {}).length - yes;
        // Approved, then overturned by No Confidence: the tally says both.
        return el(
          "td",
          {
            class: "grid-tally " + (p.approved ? "approve" : "reject") + (undone[at] ? " overturned" : ""),
            title: undone[at] ? t("grid.overturnedTitle", { card: t("card.no_confidence") }) : null,
          },
          t("grid.tally", { yes, no }),
          undone[at] ? el("span", { class: "grid-overturned", text: t("grid.overturned") }) : null,
        );
      }),
    ),
  );
  put(box,
    el(
      "table",
      { id: box.id + "-table", class: "vote-grid" },
      el("caption", { class: "visually-hidden", text: t("grid.caption") }),
      head,
      el("tbody", {}, rows),
      foot,
    ),
    el("p", { class: "hint grid-legend", text: t("grid.legend") }),
    history.some((p) => !p.votes && p.tally) ? el("p", { class: "hint grid-secret", text: t("grid.secretLegend") }) : null,
  );
}
