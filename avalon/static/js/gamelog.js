// The "What happened" log of the game shown, rebuilt from its view each time (never from
// events remembered by this page), so that a reload, a language switch, a second tab and a
// late spectator all read the same past: the start, every proposal and vote, every quest,
// each use of the Lady, the assassination, the end, and the table's presence lines. Moves
// the timer or a stand-in made are said to be automatic: they are no evidence.
import { $, clockText, el, put } from "./dom.js";
import { firstLadyHolder } from "./replaysteps.js";
import { cardEvents, effectsBefore as takeEffects, ladyOfTheSea, momentKey, openVoteLines, overturned, proposalKey } from "./cardboard.js";
import { checkLine, hiddenLine, lancelotLines, privateLine, revealQuest, revealedLines } from "./rolelog.js";
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
  // Approved, then overturned by No Confidence: it counts as rejected, but says both.
  const undone = overturned(p);
  const card = t("card.no_confidence");
  if (p.tally) {
    // An anonymous vote: its tally alone until the game is over, and an Opinion Maker's
    // vote, cast openly.
    const counts = { yes: p.tally.approve, no: p.tally.reject, card };
    return [
      proposedText(p.leader, p.team, p.quest, p.proposal, p.auto_proposal),
      t(undone ? "vote.overturned" : p.approved ? "vote.approved" : "vote.rejected", counts),
      ...openVoteLines(p.open_votes),
    ];
  }
  const { yes, no } = votersOf(p.votes);
  const lines = [
    proposedText(p.leader, p.team, p.quest, p.proposal, p.auto_proposal),
    t(undone ? "log.voteOverturned" : p.approved ? "log.voteApproved" : "log.voteRejected", {
      team: namesOf(p.team),
      yes: yes.length,
      no: no.length,
      yesNames: listText(yes),
      noNames: listText(no),
      card,
    }),
  ];
  const auto = p.auto || [];
  if (auto.length) lines.push(plural("log.autoVotes", auto.length, { names: namesOf(auto) }));
  return lines;
}

function questLines(r, hiddenQuests) {
  const hidden = r.success === null || r.success === undefined;
  const lines = hidden ? [] : [plural(r.success ? "log.questSucceeded" : "log.questFailed", r.fails, { quest: r.quest })];
  const witch = hiddenLine(r, hiddenQuests);
  if (witch) lines.push(witch);
  const auto = r.auto || [];
  if (auto.length) lines.push(plural("log.autoCards", auto.length, { names: namesOf(auto) }));
  return lines;
}

// The kinds of private results the cards give their holder (shown to that player only);
// the Lady of the Sea's is said with her use, as the Lake's is.
const CARD_RESULTS = ["sire", "ref", "excalibur", "ambush", "shown"];

// Which public use (cardEvents' `who`) gave a private result to player `me`.
const SOURCES = {
  excalibur: (r, me) => (w) => w.moment === "excalibur" && w.holder === me && w.target === r.target,
  sire: (r, me) => (w) => w.moment === "sire" && w.holder === r.from && w.target === me,
  ref: (r, me) => (w) => w.moment === "ref" && w.holder === me && w.target === r.target,
  shown: (r, me) => (w) => w.card === r.card && w.player === r.from && w.target === me,
  ambush: (r, me) => (w) => w.card === r.card && w.player === me && w.target === r.target,
  check: (r, me) => (w) => !!r.card && w.card === r.card && w.player === me && w.target === r.target,
};

// The card effects with this player's private results each said right after the use that
// gave it (matched in order), and the results no use accounts for, said at the end.
function placeSecrets(effects, results, me) {
  const after = effects.map(() => []);
  const rest = [];
  for (const r of results) {
    const source = SOURCES[r.kind] && SOURCES[r.kind](r, me);
    const at = source ? effects.findIndex((e, i) => !after[i].length && e.who && source(e.who)) : -1;
    if (at < 0) rest.push(r);
    else after[at].push({ key: effects[at].key, kind: "secret", text: privateLine(r, nameOf) });
  }
  return [effects.flatMap((e, i) => [e, ...after[i]]), rest];
}

function ladyLine(check, sea) {
  const text = t(sea ? "log.ladySeaUsed" : "log.ladyUsed", { holder: nameOf(check.holder), target: nameOf(check.target) });
  return check.auto ? text + " " + t("log.autoMove", { name: nameOf(check.holder) }) : text;
}

// This player's own result of a Lady's check, when they held her (a player is examined
// once at most); `own(kind)` gives their private results while the role card is uncovered.
function ladySecret(g, check, sea, own) {
  if (sea) return own("sea").filter((r) => r.target === check.target).map((r) => privateLine(r, nameOf));
  const mine = (roleUncovered() ? g.lady_results || [] : []).find((r) => r.target === check.target);
  return mine ? [t("log.ladyResult", { target: nameOf(mine.target), alignment: alignmentText(mine.alignment) })] : [];
}

// A use of the Lady as [kind, text] lines: what the table reads, then the holder's own
// result. The Sea's holder reads their result alone, in the public line's place: one line
// that says whom she showed them and as what.
function ladyLines(g, check, sea, own) {
  const secret = ladySecret(g, check, sea, own).map((text) => ["secret", text]);
  return sea && secret.length ? secret : [["game", ladyLine(check, sea)], ...secret];
}

// The start of the game in a line: who led first and who held the Lady. Under hidden
// history, once a team was voted on, the first leader is known only through the Lady
// (the seat after her first holder); without her the line is left out, not guessed.
function startLines(g, history, checks, sea) {
  const facts = { lady_of_the_lake: !!g.lady, lady_checks: checks, proposals: history, players: g.players };
  const lady = g.lady && !checks.length && !history.length ? g.lady.holder : firstLadyHolder(facts);
  const held = lady !== null && lady !== undefined;
  const fresh = g.quest === 1 && g.proposal === 1; // nothing voted on yet
  let leader = history.length ? history[0].leader : fresh ? g.leader : null;
  if (leader === null && held) leader = g.players[(g.players.indexOf(lady) + 1) % g.players.length];
  if (leader === null) return [];
  if (!held) return [t("log.started", { leader: nameOf(leader) })];
  return [t(sea ? "log.startedLadySea" : "log.startedLady", { leader: nameOf(leader), lady: nameOf(lady) })];
}

// The game's moves as [kind, text] pairs, in the order they happened.
function moveLines(g) {
  const lines = [];
  const add = (kind, texts) => texts.forEach((text) => lines.push([kind, text]));
  const history = g.history || [];
  const results = g.quest_results || [];
  const checks = (g.lady && g.lady.checks) || [];
  const sea = ladyOfTheSea(g);
  add("game", startLines(g, history, checks, sea));
  const mine = roleUncovered() ? (g.you && g.you.results) || [] : [];
  const own = (kind, quest) =>
    mine.filter((r) => r.kind === kind && (quest === undefined || r.quest === undefined || r.quest === quest));
  const reveal = revealQuest(results);
  // The cards' effects (Excalibur, announcements, Sire, Ref, plot cards), each said where
  // it happened among the moves below.
  const me = g.you && g.you.player_id;
  const cardResults = mine.filter((r) => r.kind === "check" || CARD_RESULTS.includes(r.kind));
  const [effects, unplaced] = placeSecrets(cardEvents(g), cardResults, me);
  const effectsBefore = (key) => takeEffects(effects, key).forEach((e) => add(e.kind || "game", [e.text]));
  let questShown = 0; // the quest whose Lancelot cards the log has said
  const questStarts = (quest) => {
    effectsBefore(momentKey(quest, "lancelot"));
    questShown = quest;
    add("game", lancelotLines(g.lancelot, quest));
  };
  // Under hidden history the proposals stay secret until the end: the quests are said alone.
  const steps = history.length ? history : results.map((r) => ({ quest: r.quest, approved: true, hidden: true }));
  for (const p of steps) {
    if (p.quest !== questShown) questStarts(p.quest);
    if (!p.hidden) {
      effectsBefore(proposalKey(p.quest, p.proposal, "vote"));
      add("game", voteLines(p));
    }
    const result = p.approved ? results.find((r) => r.quest === p.quest) : null;
    if (!result) continue;
    effectsBefore(momentKey(p.quest, "result"));
    add("game", questLines(result, g.hidden_quests));
    if (result.quest === 1) add("secret", own("cleric").map((r) => privateLine(r, nameOf)));
    if (result.quest === reveal) add("game", revealedLines(g.revealed, nameOf));
    // Check i of the Lady happened after quest 2 + i.
    const check = checks[p.quest - 2];
    if (check) {
      effectsBefore(momentKey(p.quest, "lady"));
      for (const [kind, text] of ladyLines(g, check, sea, own)) add(kind, [text]);
    }
  }
  if (g.phase !== "game_over" && g.quest !== questShown) questStarts(g.quest);
  effectsBefore(null);
  if (g.phase === "witch" && Number.isInteger(g.witch_checker)) add("game", [checkLine(g.witch_checker, null, nameOf)]);
  for (const kind of ["check", ...CARD_RESULTS]) {
    add("secret", unplaced.filter((r) => r.kind === kind).map((r) => privateLine(r, nameOf)));
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
