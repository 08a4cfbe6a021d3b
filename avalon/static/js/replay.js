// The replay page (/r/CODE/games/N): a finished game walked through step by step from its
// record, with every role revealed: the seats, the proposals and their votes, the quests,
// the Lady (of the Lake or of the Sea), the assassination and the end. Back and forward one step (also
// with the arrow keys), jump to a quest; the step shown is kept in the address (#step-N).
import { api } from "./api.js";
import { questItems } from "./board.js";
import { $, el, keepFocus, put, showView } from "./dom.js";
import { renderGrid } from "./grid.js";
import { failsRequired, isEvil, rules, teamSizes } from "./rules.js";
import { boardAt, buildSteps, firstStepOfQuest, questsPlayed } from "./replaysteps.js";
import { ladyOfTheSea, overturned } from "./cardboard.js";
import { drawBeliefs } from "./replaybeliefs.js";
import { drawLancelot, drawNight, roleStepText } from "./replayroles.js";
import { optionsSetup, setupText } from "./setup.js";
import { placeOnRing } from "./table.js";
import { alignmentText, listText, plural, roleLabel, t, winsText } from "./text.js";

const STEP_HASH = /^#step-(\d+)$/; // the address's fragment: the step shown, from 1

// The replay shown: {code, number, record, steps, index, bots}; null on other pages.
let shown = null;
let loads = 0; // counts the replays opened: an answer for an older one is dropped
let wired = false;

function nameOf(id) {
  const names = (shown && shown.record.names) || {};
  return names[String(id)] || t("name.unknown", { id });
}

function namesOf(ids) {
  return listText((ids || []).map(nameOf));
}

/** Open the replay of game `number` of room `code`. */
export async function showReplay(code, number) {
  wire();
  shown = null;
  const ticket = (loads += 1);
  showView("replay");
  document.title = t("replay.pageTitle", { number, code });
  $("#replay-title").textContent = t("replay.title", { number, code });
  $("#replay-room-link").href = "/r/" + code;
  $("#replay-room-link").textContent = t("replay.toRoom", { code });
  $("#replay-body").hidden = true;
  $("#replay-setup").hidden = true;
  put($("#replay-retry"));
  $("#replay-status").textContent = t("replay.loading");
  let record;
  try {
    record = await api("GET", `/api/rooms/${encodeURIComponent(code)}/games/${number}`);
  } catch (err) {
    if (ticket !== loads) return; // the reader went on meanwhile
    showProblem(code, number, err);
    return;
  }
  if (ticket !== loads) return;
  const steps = buildSteps(record);
  shown = { code, number, record, steps, index: 0, bots: new Set(botsOf(record)) };
  if (!Array.isArray(record.bots)) markBotsFromRoom(code);
  $("#replay-status").textContent = "";
  const setup = optionsSetup(record.options || {}, record.roles_in_play);
  $("#replay-setup").textContent = t("setup.this", { setup: setupText(setup) });
  $("#replay-setup").hidden = false;
  $("#replay-body").hidden = false;
  drawNight(record, nameOf);
  const wanted = location.hash.match(STEP_HASH);
  go(wanted ? Number(wanted[1]) - 1 : 0, false);
}

/** Forget the replay when the reader leaves its page. */
export function leaveReplay() {
  shown = null;
  loads += 1;
}

function botsOf(record) {
  return Array.isArray(record.bots) ? record.bots : [];
}

// A record without its bots: those still in the room are marked from the room's members.
async function markBotsFromRoom(code) {
  try {
    const room = await api("GET", "/api/rooms/" + encodeURIComponent(code));
    if (!shown || shown.code !== code) return;
    for (const p of room.players.concat(room.spectators || [])) if (p.bot) shown.bots.add(p.player_id);
    draw();
  } catch (err) {
    // Without the room the seats just carry no bot badge.
  }
}

// 409 while the game is played, 404 for no such game or room, anything else to retry.
function showProblem(code, number, err) {
  const status = $("#replay-status");
  const retry = () => showReplay(code, number);
  if (err.code === "game_in_progress") {
    status.textContent = t("replay.inProgress", { number, code });
    put($("#replay-retry"), el("button", { type: "button", id: "replay-again", onclick: retry, text: t("replay.checkAgain") }));
  } else if (err.code === "game_not_found") {
    status.textContent = t("replay.notFound", { number, code });
  } else if (err.code === "room_not_found") {
    status.textContent = t("apiError.room_not_found");
  } else {
    status.textContent = err.message;
    put($("#replay-retry"), el("button", { type: "button", id: "replay-again", onclick: retry, text: t("notice.tryAgain") }));
  }
}

// Show step `index` (clamped), and keep it in the address unless `remember` is false.
function go(index, remember = true) {
  if (!shown) return;
  shown.index = Math.max(0, Math.min(shown.steps.length - 1, index));
  if (remember) history.replaceState(null, "", location.pathname + location.search + "#step-" + (shown.index + 1));
  keepFocus(draw);
  // A button that has nothing more to do hands the keyboard's focus to its opposite.
  const active = document.activeElement;
  if (active && active.disabled) {
    const forwards = active.id === "replay-forward" || active.id === "replay-last";
    $(forwards ? "#replay-back" : "#replay-forward").focus();
  }
}

function draw() {
  const { record, steps, index } = shown;
  const step = steps[index];
  const board = boardAt(record, step);
  $("#replay-counter").textContent = t("replay.counter", { step: index + 1, count: steps.length });
  const text = stepText(step);
  if ($("#replay-text").textContent !== text) $("#replay-text").textContent = text;
  $("#replay-first").disabled = index === 0;
  $("#replay-back").disabled = index === 0;
  $("#replay-forward").disabled = index === steps.length - 1;
  $("#replay-last").disabled = index === steps.length - 1;
  drawJumps(step);
  drawSeats(board);
  drawCentre(board);
  drawLancelot(board);
  drawBeliefs(record, step, nameOf);
  drawSteps();
  drawGrid(board);
}

// The sentence of a step: what happened there.
function stepText(step) {
  const record = shown.record;
  const roleText = roleStepText(record, step, nameOf, namesOf);
  if (roleText !== null) return roleText;
  switch (step.kind) {
    case "start": {
      const first = (record.proposals || [])[0];
      const leader = first ? nameOf(first.leader) : t("name.nobody");
      const lady = boardAt(record, step).lady;
      const sea = ladyOfTheSea(record);
      if (lady === null) return t("log.started", { leader });
      return t(sea ? "log.startedLadySea" : "log.startedLady", { leader, lady: nameOf(lady) });
    }
    case "proposal": {
      const p = record.proposals[step.proposal];
      const ids = Object.keys(p.votes || {});
      const yes = ids.filter((id) => p.votes[id]).map((id) => nameOf(Number(id)));
      const no = ids.filter((id) => !p.votes[id]).map((id) => nameOf(Number(id)));
      const proposed = t("log.proposed", {
        leader: nameOf(p.leader), team: namesOf(p.team), quest: p.quest, proposal: p.proposal,
      });
      // A team approved, then overturned by No Confidence, says both.
      const undone = overturned(p);
      const result = t(undone ? "log.voteOverturned" : p.approved ? "log.voteApproved" : "log.voteRejected", {
        team: namesOf(p.team), yes: yes.length, no: no.length, yesNames: listText(yes), noNames: listText(no),
        card: t("card.no_confidence"),
      });
      // Moves the timer or a stand-in made are said to be so, as in the game's log.
      const auto = p.auto || [];
      const marks = [
        p.auto_proposal ? t("log.autoProposal", { leader: nameOf(p.leader) }) : "",
        auto.length ? plural("log.autoVotes", auto.length, { names: namesOf(auto) }) : "",
      ];
      return [proposed, result, ...marks].filter(Boolean).join(" ");
    }
    case "quest": {
      const q = record.quest_results[step.result];
      const text = plural(q.success ? "record.questSuccess" : "record.questFailed", q.fails, {
        quest: q.quest, team: namesOf(q.team),
      });
      const auto = q.auto || [];
      return auto.length ? text + " " + plural("log.autoCards", auto.length, { names: namesOf(auto) }) : text;
    }
    case "lady": {
      const c = record.lady_checks[step.check];
      const text = t("record.ladyCheck", { holder: nameOf(c.holder), target: nameOf(c.target), alignment: alignmentText(c.alignment) });
      return c.auto ? text + " " + t("log.autoMove", { name: nameOf(c.holder) }) : text;
    }
    default:
      return winsText(record.winner, record.reason);
  }
}

// Buttons to the start, each quest, the assassination and the end.
function drawJumps(step) {
  const { record, steps } = shown;
  const jumps = [{ key: "start", index: 0, text: t("replay.start"), on: step.kind === "start" }];
  for (const quest of questsPlayed(record)) {
    jumps.push({
      index: firstStepOfQuest(steps, quest),
      text: t("quest.number", { quest }),
      on: step.kind !== "start" && step.kind !== "end" && step.kind !== "assassination" && step.quest === quest,
      quest,
    });
  }
  const assassination = steps.findIndex((s) => s.kind === "assassination");
  if (assassination >= 0) {
    jumps.push({ key: "assassination", index: assassination, text: t("replay.assassination"), on: step.kind === "assassination" });
  }
  jumps.push({ key: "end", index: steps.length - 1, text: t("replay.end"), on: step.kind === "end" });
  put($("#replay-jumps"),
    el("div", { class: "buttons" },
      jumps.map((j) =>
        el("button", {
          type: "button",
          id: "replay-jump-" + (j.quest ? "quest-" + j.quest : j.key),
          class: "small",
          dataset: { jump: String(j.index), quest: j.quest ? String(j.quest) : null },
          "aria-current": j.on ? "step" : null,
          text: j.text,
        }),
      ),
    ),
  );
}

// The seats around the table, each with its role revealed and what happens to it now.
function drawSeats(board) {
  const record = shown.record;
  const roles = record.roles || {};
  const seats = record.players || [];
  const items = seats.map((id, index) => {
    const role = roles[String(id)];
    const side = role ? (isEvil(role) ? "evil" : "good") : "";
    const vote = board.votes && String(id) in board.votes ? (board.votes[String(id)] ? "approve" : "reject") : "";
    const badges = [];
    if (role) badges.push([side, roleLabel(role)]);
    if (shown.bots.has(id)) badges.push(["bot", t("badge.bot")]);
    if (id === board.leader && !board.over) badges.push(["leader", t("badge.leader")]);
    const sea = ladyOfTheSea(record);
    if (board.lady === id && !board.over) badges.push(["lady", t(sea ? "option.lady.sea" : "badge.lady")]);
    if (board.team.includes(id)) badges.push(["team", t("badge.team")]);
    if (vote) badges.push(vote === "approve" ? ["approve", t("badge.approved")] : ["reject", t("badge.rejected")]);
    if (board.check && board.check.target === id) {
      badges.push([board.check.alignment === "evil" ? "evil" : "good", t("badge.ladySaw", { alignment: alignmentText(board.check.alignment) })]);
    }
    if (board.targets.includes(id)) badges.push(["target", t("over.named")]);
    return el(
      "li",
      {
        class: "seat",
        dataset: {
          playerId: String(id),
          role: role || "",
          online: "true",
          leader: String(id === board.leader && !board.over),
          team: String(board.team.includes(id)),
          vote,
        },
      },
      el("div", { class: "seat-head" },
        el("span", { class: "seat-num", "aria-label": t("seat.number", { number: index + 1 }), text: String(index + 1) }),
        el("span", { class: "name", text: nameOf(id) }),
      ),
      el("div", { class: "seat-badges" }, badges.map(([kind, text]) => el("span", { class: "badge " + kind, text }))),
    );
  });
  placeOnRing(items, 0);
  put($("#replay-seats"), ...items);
  $("#replay-table").dataset.count = String(seats.length);
}

// The quests so far in the middle of the table, and the proposal on the vote track.
function drawCentre(board) {
  const count = (shown.record.players || []).length;
  const view = {
    team_sizes: teamSizes(count),
    fails_required: failsRequired(count),
    quest_results: board.results,
    quest: board.quest,
    phase: board.over ? "game_over" : "replay",
  };
  put($("#replay-quests"), ...questItems(view));
  $("#replay-proposal").textContent = board.over
    ? ""
    : t("track.proposal", { proposal: board.proposalNumber, max: rules.max_proposals });
}

// Every step as a button, the one shown marked.
function drawSteps() {
  const { steps, index } = shown;
  put($("#replay-steps"),
    steps.map((step, i) =>
      el("li", { dataset: { kind: step.kind } },
        el("button", {
          type: "button",
          id: "replay-step-" + (i + 1),
          class: "step",
          dataset: { jump: String(i) },
          "aria-current": i === index ? "step" : null,
          text: stepText(step),
        }),
      ),
    ),
  );
}

// The vote grid of the proposals so far.
function drawGrid(board) {
  const box = $("#replay-grid");
  if (!board.proposals.length) {
    put(box, el("p", { id: "replay-grid-empty", class: "hint", text: t("grid.empty") }));
    return;
  }
  // The record's own names: the seats as they were, also of those who left since.
  renderGrid({ players: shown.record.players, history: board.proposals, quest_results: board.results }, box, nameOf);
}

function onJumpClick(event) {
  const button = event.target.closest("button[data-jump]");
  if (button) go(Number(button.dataset.jump));
}

// Left and Right step back and forward; Home and End go to the first and the last step.
// Keys typed into a form field, or with a modifier, are left alone.
function onKey(event) {
  if (!shown || $("#replay-view").hidden) return;
  if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  if (event.target.closest && event.target.closest("input, select, textarea, [contenteditable]")) return;
  const moves = { ArrowLeft: -1, ArrowRight: 1 };
  if (event.key in moves) go(shown.index + moves[event.key]);
  else if (event.key === "Home") go(0);
  else if (event.key === "End") go(shown.steps.length - 1);
  else return;
  event.preventDefault();
}

function wire() {
  if (wired) return;
  wired = true;
  $("#replay-first").addEventListener("click", () => go(0));
  $("#replay-back").addEventListener("click", () => go(shown.index - 1));
  $("#replay-forward").addEventListener("click", () => go(shown.index + 1));
  $("#replay-last").addEventListener("click", () => go(shown.steps.length - 1));
  $("#replay-jumps").addEventListener("click", onJumpClick);
  $("#replay-steps").addEventListener("click", onJumpClick);
  document.addEventListener("keydown", onKey);
}
