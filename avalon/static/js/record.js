// The record of a finished game, drawn from its last view: every quest with its team and
// fail cards, every use of the Lady (of the Lake or of the Sea) with what she showed, and
// the winner. The proposals and votes are in the vote grid above it.
import { $, el, put } from "./dom.js";
import { ladyOfTheSea } from "./cardboard.js";
import { isEvil } from "./rules.js";
import { hiddenLine, lancelotLines, revealedLines } from "./rolelog.js";
import { nameOf, namesOf } from "./state.js";
import { alignmentText, plural, reasonText, t } from "./text.js";

/** Draw the record of game view g once it is over (hidden before). */
export function renderRecord(g) {
  const section = $("#record");
  if (g.phase !== "game_over") {
    section.hidden = true;
    put(section);
    return;
  }
  section.hidden = false;
  const roles = g.roles || {};
  const history = g.history || [];
  const quests = (g.quest_results || []).map((q) =>
    el(
      "li",
      { dataset: { quest: String(q.quest), success: String(!!q.success) } },
      plural(q.success ? "record.questSuccess" : "record.questFailed", q.fails, {
        quest: q.quest,
        team: namesOf(q.team),
      }),
    ),
  );
  const checks = ((g.lady && g.lady.checks) || []).map((c) => {
    // What the holder was shown (the end's view says it; a Trickster or Troublemaker may
    // have shown the other side), else the side of the role.
    const role = roles[String(c.target)];
    const seen = c.alignment || (role ? (isEvil(role) ? "evil" : "good") : "");
    return el(
      "li",
      {},
      seen
        ? t("record.ladyCheck", { holder: nameOf(c.holder), target: nameOf(c.target), alignment: alignmentText(seen) })
        : t("lady.examined", { holder: nameOf(c.holder), target: nameOf(c.target) }),
    );
  });
  const none = () => el("p", { text: t("record.none") });
  const approved = history.filter((p) => p.approved).length;
  const parts = [
    el("h2", { id: "record-title", text: t("record.title", { number: g.number || "" }) }),
    el("p", {
      id: "record-proposals",
      text: t("record.proposalCount", { count: history.length, approved, rejected: history.length - approved }),
    }),
    el("h3", { text: t("record.quests") }),
    quests.length ? el("ol", { id: "record-quests" }, quests) : none(),
  ];
  if (g.lady) {
    const sea = ladyOfTheSea(g);
    parts.push(
      el("h3", { text: t(sea ? "option.lady.sea" : "record.lady") }),
      checks.length ? el("ul", { id: "record-lady" }, checks) : el("p", { text: t("record.ladyUnused") }),
    );
  }
  // The newer roles' public events: Lancelot cards, hidden quests, a Revealer.
  const events = [];
  for (let quest = 1; quest <= (g.team_sizes || []).length; quest += 1) events.push(...lancelotLines(g.lancelot, quest));
  for (const q of g.quest_results || []) if (hiddenLine(q, g.hidden_quests)) events.push(hiddenLine(q, g.hidden_quests));
  events.push(...revealedLines(g.revealed, nameOf));
  if (events.length) {
    parts.push(el("h3", { text: t("record.roleEvents") }), el("ul", { id: "record-roles" }, events.map((text) => el("li", { text }))));
  }
  parts.push(
    el("p", {
      id: "record-winner",
      class: "winner",
      // A game the table ended has no winner: its reason says so.
      text: g.winner
        ? t(g.winner === "good" ? "record.won.good" : "record.won.evil", { reason: reasonText(g.reason) })
        : reasonText(g.reason),
    }),
  );
  put(section, ...parts);
}
