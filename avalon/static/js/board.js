// The game board: role card, quests, vote track, phase, table of seats, last vote, the
// Lady of the Lake, and the end of the game. The action panel and the record have their
// own modules.
import { renderActionPanel } from "./actions.js";
import { $, el } from "./dom.js";
import { loadRecord, renderRecord } from "./record.js";
import { isEvil, rules } from "./rules.js";
import { sendAction } from "./socket.js";
import { amHost, app, findPlayer, myId, nameOf, namesOf, nameWithYou, spectators } from "./state.js";
import { alignmentText, listText, plural, reasonText, roleLabel, t, winsText } from "./text.js";

/** Draw the whole board for the game view g. */
export function renderGame(g) {
  renderRoleCard(g);
  renderQuests(g);
  renderVoteTrack(g);
  const phase = phaseText(g);
  // Only a changed sentence is announced again by screen readers.
  if ($("#phase-text").textContent !== phase) $("#phase-text").textContent = phase;
  renderActionPanel(g);
  renderSeats(g);
  renderLastVote(g);
  renderLady(g);
  renderGameOver(g);
  renderRecord();
}

function sideOf(role) {
  return isEvil(role) ? "evil" : "good";
}

function rolesInPlayText(roles) {
  const counts = new Map();
  for (const role of roles || []) counts.set(role, (counts.get(role) || 0) + 1);
  return [...counts]
    .map(([role, n]) => (n > 1 ? t("card.roleCount", { role: roleLabel(role), count: n }) : roleLabel(role)))
    .join(t("list.comma"));
}

// What this player's role lets them know at night, as one paragraph.
function knowledgeText(g) {
  const you = g.you;
  const seen = (you.sees || []).map((s) => s.player_id);
  const names = namesOf(seen);
  const inPlay = new Set(g.roles_in_play || []);
  const parts = [];
  switch (you.role) {
    case "merlin":
      parts.push(seen.length ? plural("knows.merlinEvil", seen.length, { names }) : t("knows.merlinNone"));
      if (inPlay.has("mordred")) parts.push(t("knows.merlinMordred"));
      parts.push(t("knows.merlinGoal"));
      break;
    case "percival":
      if (seen.length === 2) parts.push(t("knows.percivalTwo", { names }));
      else if (seen.length === 1)
        parts.push(t(inPlay.has("morgana") ? "knows.percivalOneOrMorgana" : "knows.percivalOne", { names }));
      else parts.push(t("knows.percivalNone"));
      break;
    case "loyal_servant":
      parts.push(t("knows.servant"));
      break;
    case "oberon":
      parts.push(t("knows.oberon"));
      break;
    default:
      parts.push(seen.length ? plural("knows.evil", seen.length, { names }) : t("knows.evilNone"));
      if (inPlay.has("oberon")) parts.push(t("knows.evilOberon"));
  }
  return parts.join(" ");
}

function goalText(you) {
  if (you.alignment === "good") return t("goal.good");
  return you.role === "assassin" ? t("goal.evil") + " " + t("goal.assassin") : t("goal.evil");
}

function renderRoleCard(g) {
  const card = $("#role-card");
  const you = g.you;
  if (!you) {
    card.dataset.role = "";
    card.dataset.alignment = "";
    card.replaceChildren(
      el("h2", { text: t("card.watching") }),
      el("p", { id: "night-knowledge", text: t("card.watchingText") }),
      el("p", { class: "hint", text: t("card.rolesWatching", { roles: rolesInPlayText(g.roles_in_play) }) }),
    );
    return;
  }
  card.dataset.role = you.role;
  card.dataset.alignment = you.alignment;
  card.replaceChildren(
    el("h2", { text: t("card.title") }),
    el(
      "p",
      { class: "role-line" },
      el("strong", { id: "my-role", text: t("card.you", { role: t("roleYou." + you.role) }) }),
      " ",
      el("span", { class: "badge " + you.alignment, text: t(you.alignment === "good" ? "side.good" : "side.evil") }),
    ),
    el("p", { id: "night-knowledge", text: knowledgeText(g) }),
    el("p", { class: "hint", text: goalText(you) }),
    el("p", { class: "hint", text: t("card.roles", { roles: rolesInPlayText(g.roles_in_play) }) }),
  );
}

function renderQuests(g) {
  const items = [];
  for (let q = 1; q <= g.team_sizes.length; q += 1) {
    const result = (g.quest_results || []).find((r) => r.quest === q);
    const current = !result && q === g.quest && g.phase !== "game_over";
    const state = result ? (result.success ? "success" : "fail") : current ? "current" : "upcoming";
    const needed = g.fails_required[q - 1];
    let outcome = "";
    if (result) outcome = t(result.success ? "quest.success" : "quest.failed");
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
      ),
    );
  }
  $("#quests").replaceChildren(...items);
}

function renderVoteTrack(g) {
  const max = rules.max_proposals;
  const dots = [];
  for (let n = 1; n <= max; n += 1) {
    dots.push(
      el("li", {
        class: "dot",
        dataset: { filled: String(n < g.proposal), current: String(n === g.proposal) },
        text: String(n),
      }),
    );
  }
  $("#vote-track").replaceChildren(
    el("p", { id: "proposal-text", text: t("track.proposal", { proposal: g.proposal, max }) }),
    el("ol", { class: "dots", "aria-hidden": "true" }, dots),
    el("p", { class: "hint", text: t("track.hint") }),
  );
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
    case "lady":
      return g.lady && g.lady.holder === me
        ? t("phase.ladyYou")
        : t("phase.lady", { holder: nameOf(g.lady && g.lady.holder) });
    case "assassination":
      return t(g.you && g.you.role === "assassin" ? "phase.assassinYou" : "phase.assassin");
    case "game_over":
      return winsText(g.winner, g.reason);
    default:
      return "";
  }
}

function renderSeats(g) {
  const you = g.you;
  const sees = new Map(((you && you.sees) || []).map((s) => [s.player_id, s.as]));
  const checked = new Map((g.lady_results || []).map((r) => [r.target, r.alignment]));
  const me = myId();
  const items = g.players.map((id, index) => {
    const p = findPlayer(id);
    const badges = [];
    if (id === g.leader && g.phase !== "game_over") badges.push(["leader", t("badge.leader")]);
    if (g.lady && g.lady.holder === id) badges.push(["lady", t("badge.lady")]);
    if ((g.team || []).includes(id)) badges.push(["team", t("badge.team")]);
    if (g.phase === "voting" && g.voted.includes(id)) badges.push(["voted", t("badge.voted")]);
    if (g.phase === "questing" && g.played.includes(id)) badges.push(["played", t("badge.played")]);
    if (sees.get(id) === "evil") badges.push(["evil", t("badge.evil")]);
    if (sees.get(id) === "merlin_or_morgana") badges.push(["mm", t("badge.mm")]);
    if (checked.has(id)) {
      badges.push([checked.get(id), t("badge.ladySaw", { alignment: alignmentText(checked.get(id)) })]);
    }
    if (g.roles && g.roles[String(id)]) {
      const role = g.roles[String(id)];
      badges.push([sideOf(role), roleLabel(role)]);
    }
    if (g.votes && String(id) in g.votes) {
      badges.push(g.votes[String(id)] ? ["approve", t("badge.approved")] : ["reject", t("badge.rejected")]);
    }
    if (p && !p.online) badges.push(["offline", t("badge.offline")]);
    return el(
      "li",
      { class: "seat", dataset: { playerId: String(id), online: String(!!(p && p.online)) } },
      el("span", { class: "seat-num", text: String(index + 1) }),
      el("span", { class: "name", text: nameWithYou(id) }),
      badges.map(([kind, text]) => el("span", { class: "badge " + kind, text })),
    );
  });
  $("#seats").replaceChildren(...items);
  const watchers = spectators().map((p) =>
    p.player_id === me ? t("name.you", { name: p.display_name }) : p.display_name,
  );
  $("#watchers").textContent = watchers.length ? t("seats.watching", { names: listText(watchers) }) : "";
}

function renderLastVote(g) {
  const node = $("#last-vote");
  if (!g.votes) {
    node.textContent = "";
    return;
  }
  const values = Object.values(g.votes);
  const yes = values.filter(Boolean).length;
  const approved = 2 * yes > values.length;
  node.textContent = t(approved ? "vote.approved" : "vote.rejected", { yes, no: values.length - yes });
}

function renderLady(g) {
  const box = $("#lady-info");
  if (!g.lady) {
    box.replaceChildren();
    return;
  }
  const lines = [el("p", { text: t("lady.holds", { holder: nameOf(g.lady.holder) }) })];
  if (g.lady.checks.length) {
    const used = g.lady.checks.map((c) => t("lady.examined", { holder: nameOf(c.holder), target: nameOf(c.target) }));
    lines.push(el("p", { class: "hint", text: t("lady.checks", { checks: used.join(t("list.semicolon")) }) }));
  }
  for (const r of g.lady_results || []) {
    lines.push(
      el("p", {
        class: "lady-result",
        text: t("lady.result", { target: nameOf(r.target), alignment: alignmentText(r.alignment) }),
      }),
    );
  }
  box.replaceChildren(...lines);
}

function renderGameOver(g) {
  const box = $("#game-over");
  if (g.phase !== "game_over") {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  box.hidden = false;
  box.dataset.winner = g.winner || "";
  const roles = g.roles || {};
  const reveal = g.players.map((id) => {
    const role = roles[String(id)];
    const side = role ? sideOf(role) : "";
    return el(
      "li",
      { dataset: { playerId: String(id), role: role || "" } },
      el("span", { class: "name", text: nameOf(id) }),
      t("over.dash"),
      el("span", {
        class: "badge " + side,
        text: role ? t("over.role", { role: roleLabel(role), side: alignmentText(side) }) : t("over.unknown"),
      }),
    );
  });
  box.replaceChildren(
    el("h2", { id: "winner", text: t(g.winner === "good" ? "over.winner.good" : "over.winner.evil") }),
    el("p", { text: reasonText(g.reason) }),
    el("h3", { text: t("over.roles") }),
    el("ul", { id: "roles-reveal", class: "reveal" }, reveal),
    el(
      "div",
      { class: "buttons" },
      el("button", { type: "button", id: "show-record", onclick: loadRecord, text: t("over.showRecord") }),
      amHost()
        ? el("button", {
            type: "button",
            id: "play-again",
            class: "primary",
            disabled: app.ui.busy,
            onclick: () => sendAction("play_again", {}, t("what.playAgain")),
            text: t("over.playAgain"),
          })
        : el("p", { class: "hint", text: t("over.hostOnly") }),
    ),
  );
}
