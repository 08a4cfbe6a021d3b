// The record of a finished game, drawn from its last view: every quest with its team and
// fail cards, every use of the Lady of the Lake with what she showed, and the winner. The
// proposals and votes are in the vote grid above it.
import { $, el, put } from "./dom.js";
import { isEvil } from "./rules.js";
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
    const role = roles[String(c.target)];
    const seen = role ? (isEvil(role) ? "evil" : "good") : "";
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
    parts.push(
      el("h3", { text: t("record.lady") }),
      checks.length ? el("ul", { id: "record-lady" }, checks) : el("p", { text: t("record.ladyUnused") }),
    );
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
