// The record of a finished game, read from the HTTP API and summarised.
import { api } from "./api.js";
import { $, el } from "./dom.js";
import { app, nameOf, namesOf } from "./state.js";
import { alignmentText, listText, plural, reasonText, roleLabel, t } from "./text.js";

/** Load the record of the game shown and draw it (the "Show the game record" button). */
export async function loadRecord() {
  const g = app.game;
  if (!g || !app.code) return;
  const section = $("#record");
  section.hidden = false;
  section.replaceChildren(el("p", { text: t("record.loading") }));
  try {
    const data = await api("GET", `/api/rooms/${encodeURIComponent(app.code)}/games/${g.number}`);
    app.ui.record = data && data.game && data.game.proposals ? data.game : data;
    app.ui.recordFor = g.game_id;
  } catch (err) {
    app.ui.record = { error: err.message };
    app.ui.recordFor = g.game_id;
  }
  renderRecord();
  section.scrollIntoView({ block: "nearest" });
}

/** Draw the loaded record if it belongs to the game shown; hide it otherwise. */
export function renderRecord() {
  const section = $("#record");
  const record = app.ui.record;
  if (!record || !app.game || app.ui.recordFor !== app.game.game_id) {
    section.hidden = true;
    section.replaceChildren();
    return;
  }
  section.hidden = false;
  if (record.error) {
    section.replaceChildren(el("p", { class: "form-error", text: t("record.failed", { error: record.error }) }));
    return;
  }
  const roles = record.roles || {};
  const who = (id) => {
    const role = roles[String(id)];
    return role ? t("record.who", { name: nameOf(id), role: roleLabel(role) }) : nameOf(id);
  };
  const proposals = (record.proposals || []).map((p) => {
    const votes = p.votes || {};
    const yes = Object.keys(votes).filter((id) => votes[id]).map((id) => nameOf(Number(id)));
    const no = Object.keys(votes).filter((id) => !votes[id]).map((id) => nameOf(Number(id)));
    return el(
      "li",
      {},
      t(p.approved ? "record.proposalApproved" : "record.proposalRejected", {
        quest: p.quest,
        proposal: p.proposal,
        leader: nameOf(p.leader),
        team: namesOf(p.team),
        yes: listText(yes),
        no: listText(no),
      }),
    );
  });
  const quests = (record.quest_results || []).map((q) =>
    el("li", {}, plural(q.success ? "record.questSuccess" : "record.questFailed", q.fails, {
      quest: q.quest,
      team: namesOf(q.team),
    })),
  );
  const checks = (record.lady_checks || []).map((c) =>
    el("li", {}, t("record.ladyCheck", {
      holder: nameOf(c.holder),
      target: nameOf(c.target),
      alignment: alignmentText(c.alignment),
    })),
  );
  const none = () => el("p", { text: t("record.none") });
  const parts = [
    el("h2", { text: t("record.title", { number: record.number || "" }) }),
    el("h3", { text: t("record.roles") }),
    el("ul", {}, (record.players || []).map((id) => el("li", {}, who(id)))),
    el("h3", { text: t("record.proposals") }),
    proposals.length ? el("ol", { id: "record-proposals" }, proposals) : none(),
    el("h3", { text: t("record.quests") }),
    quests.length ? el("ol", { id: "record-quests" }, quests) : none(),
  ];
  if (record.lady_of_the_lake || checks.length) {
    parts.push(
      el("h3", { text: t("record.lady") }),
      checks.length ? el("ul", {}, checks) : el("p", { text: t("record.ladyUnused") }),
    );
  }
  if (record.assassin_target !== null && record.assassin_target !== undefined) {
    const hit = roles[String(record.assassin_target)] === "merlin";
    parts.push(
      el("h3", { text: t("record.assassination") }),
      el("p", {
        text: t(hit ? "record.assassinHit" : "record.assassinMiss", {
          assassin: nameOf(record.assassin),
          target: nameOf(record.assassin_target),
        }),
      }),
    );
  }
  parts.push(
    el("p", {
      id: "record-winner",
      class: "winner",
      text: t(record.winner === "good" ? "record.won.good" : "record.won.evil", { reason: reasonText(record.reason) }),
    }),
  );
  section.replaceChildren(...parts);
}
