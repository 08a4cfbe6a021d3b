// The "What happened" log of the game shown, rebuilt from its view each time (never from
// events remembered by this page), so that a reload, a language switch, a second tab and a
// late spectator all read the same past: the start, every proposal and vote, every quest,
// each use of the Lady, the assassination, the end, and the table's presence lines. Moves
// the timer or a stand-in made are said to be automatic: they are no evidence.
import { $, clockText, el, put } from "./dom.js";
import { firstLadyHolder } from "./replaysteps.js";
import { nameOf, namesOf } from "./state.js";
import { roleUncovered } from "./table.js";
import { alignmentText, has, listText, plural, t, winsText } from "./text.js";

// Names of who voted for and against, from a {player_id: approve} map.
function votersOf(votes) {
  const ids = Object.keys(votes || {});
  return {
    yes: ids.filter((id) => votes[id]).map((id) => nameOf(Number(id))),
    no: ids.filter((id) => !votes[id]).map((id) => nameOf(Number(id))),
  };
}

function proposedText(leader, team, quest, proposal, auto) {
  const text = t("log.proposed", { leader: nameOf(leader), team: namesOf(team), quest, proposal });
  return auto ? text + " " + t("log.autoProposal", { leader: nameOf(leader) }) : text;
}

function voteLines(p) {
  const { yes, no } = votersOf(p.votes);
  const lines = [
    proposedText(p.leader, p.team, p.quest, p.proposal, p.auto_proposal),
    t(p.approved ? "log.voteApproved" : "log.voteRejected", {
      team: namesOf(p.team),
      yes: yes.length,
      no: no.length,
      yesNames: listText(yes),
      noNames: listText(no),
    }),
  ];
  const auto = p.auto || [];
  if (auto.length) lines.push(plural("log.autoVotes", auto.length, { names: namesOf(auto) }));
  return lines;
}

function questLines(r) {
  const lines = [plural(r.success ? "log.questSucceeded" : "log.questFailed", r.fails, { quest: r.quest })];
  const auto = r.auto || [];
  if (auto.length) lines.push(plural("log.autoCards", auto.length, { names: namesOf(auto) }));
  return lines;
}

function ladyLine(check) {
  const text = t("log.ladyUsed", { holder: nameOf(check.holder), target: nameOf(check.target) });
  return check.auto ? text + " " + t("log.autoMove", { name: nameOf(check.holder) }) : text;
}

// The game's moves as [kind, text] pairs, in the order they happened.
function moveLines(g) {
  const lines = [];
  const add = (kind, texts) => texts.forEach((text) => lines.push([kind, text]));
  const history = g.history || [];
  const results = g.quest_results || [];
  const checks = (g.lady && g.lady.checks) || [];
  const secrets = roleUncovered() ? g.lady_results || [] : [];
  const first = history[0];
  const leader = first ? first.leader : g.leader;
  // Who held the Lady first, worked out as a replay does from the same facts.
  const facts = { lady_of_the_lake: !!g.lady, lady_checks: checks, proposals: history, players: g.players };
  const lady = g.lady && !checks.length && !history.length ? g.lady.holder : firstLadyHolder(facts);
  const started = lady !== null && lady !== undefined
    ? t("log.startedLady", { leader: nameOf(leader), lady: nameOf(lady) })
    : t("log.started", { leader: nameOf(leader) });
  add("game", [started]);
  for (const p of history) {
    add("game", voteLines(p));
    const result = p.approved ? results.find((r) => r.quest === p.quest) : null;
    if (!result) continue;
    add("game", questLines(result));
    // Check i of the Lady happened after quest 2 + i.
    const check = checks[p.quest - 2];
    if (check) {
      add("game", [ladyLine(check)]);
      // This player's own result, when they held her (a player is examined once at most).
      const mine = secrets.find((r) => r.target === check.target);
      const alignment = mine ? alignmentText(mine.alignment) : "";
      if (mine) add("secret", [t("log.ladyResult", { target: nameOf(mine.target), alignment })]);
    }
  }
  if (g.phase === "voting") add("game", [proposedText(g.leader, g.team, g.quest, g.proposal, !!g.auto_proposal)]);
  const named = g.assassination;
  if (g.phase === "assassination" || named) add("game", [t("log.assassination")]);
  if (named && named.auto) add("game", [t("log.autoMove", { name: nameOf(named.assassin) })]);
  if (g.phase === "game_over") add("game", [winsText(g.winner, g.reason)]);
  return lines;
}

/** A presence line of the game's log ({at, event, player_id, reason}) as a sentence. */
export function presenceText(line) {
  const name = nameOf(line.player_id);
  const key = line.event === "stand_in" ? "log.standIn." + (line.reason || "absent") : "log.presence." + line.event;
  // A line of a kind this page does not know yet is left out rather than shown as a key.
  return has(key) ? t(key, { name }) : has("log.presence." + line.event) ? t("log.presence." + line.event, { name }) : "";
}

const BLIP_S = 20; // an absence shorter than this (a reload, a network blip) is no news

// The presence lines minus short absences: an "away" whose "back" came within BLIP_S, with
// no stand-in between, is left out with its "back" (the same for every reader).
function withoutBlips(lines) {
  const skip = new Set();
  lines.forEach((line, index) => {
    if (line.event !== "away") return;
    for (let next = index + 1; next < lines.length; next += 1) {
      const later = lines[next];
      if (later.player_id !== line.player_id) continue;
      if (later.event === "back" && later.at - line.at < BLIP_S) skip.add(index).add(next);
      break; // the next line about this player decides
    }
  });
  return lines.filter((line, index) => !skip.has(index));
}

let drawn = null; // the words of the log as last drawn

/** Draw the log of game view g (emptied when there is none). */
export function renderLog(g) {
  const box = $("#log");
  if (!g) {
    drawn = null;
    put(box);
    return;
  }
  const items = moveLines(g).map(([kind, text]) => el("li", { class: "log-" + kind }, text));
  for (const line of withoutBlips(g.log || []).filter((l) => presenceText(l))) {
    const at = Number.isFinite(line.at) ? new Date(line.at * 1000) : null;
    items.push(
      el(
        "li",
        { class: "log-presence", dataset: { event: line.event } },
        at ? el("time", { text: clockText(at) }) : null,
        at ? " " : null,
        presenceText(line),
      ),
    );
  }
  // Redrawn only when its words change: a screen reader or a scrolled list is not disturbed.
  const text = items.map((item) => item.textContent).join("\n");
  if (drawn === text && box.children.length === items.length) return;
  const follow = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  drawn = text;
  put(box, ...items);
  if (follow) box.scrollTop = box.scrollHeight;
}
