// What the table can do about a game that stalls: the vote to end it (any seated person
// proposes, the seated people vote, a majority of the connected ends it with no winner),
// and the host's "Let a stand-in play" on a seat offline long enough.
import { $, el, put } from "./dom.js";
import { sendAction } from "./socket.js";
import { amHost, app, findPlayer, myId, nameOf, render } from "./state.js";
import { t } from "./text.js";
import { serverNow } from "./timer.js";

const STAND_IN_WAIT_S = 10; // the server hands a seat to a stand-in once offline this long
let standInTimer = null; // redraws the table when the next seat becomes eligible
let standInAt = Infinity; // when that redraw is due (this page's clock, ms)

// Whether this page's member is a person seated in game view g (bots do not vote).
function seatedPerson(g) {
  const me = myId();
  const member = findPlayer(me);
  return !!g.you && g.players.includes(me) && !(member && member.bot);
}

/** Draw the end vote of game view g: the proposal button, or the open vote's bar. */
export function renderTableOps(g) {
  const box = $("#table-ops");
  const vote = openVote(g.end_vote);
  if (g.phase === "game_over" || (!vote && !seatedPerson(g))) {
    put(box);
    return;
  }
  const busy = app.ui.busy;
  if (!vote) {
    put(box,
      el("button", {
        type: "button",
        id: "propose-end",
        class: "small",
        disabled: busy,
        onclick: () => sendAction("propose_end", {}, t("what.proposeEnd")),
        text: t("end.propose"),
      }),
    );
    return;
  }
  const me = myId();
  const voted = vote.yes.includes(me) || vote.no.includes(me);
  const canVote = seatedPerson(g) && !voted;
  put(box,
    el(
      "div",
      { id: "end-vote", class: "end-vote", role: "group", "aria-labelledby": "end-vote-text" },
      el("p", { id: "end-vote-text", text: t("end.open", { name: nameOf(vote.by) }) }),
      el("p", {
        id: "end-vote-count",
        class: "hint",
        text: t("end.count", { yes: vote.yes.length, no: vote.no.length, needed: vote.needed }),
      }),
      canVote
        ? el(
            "div",
            { class: "buttons" },
            el("button", {
              type: "button",
              id: "end-yes",
              class: "danger",
              disabled: busy,
              onclick: () => sendAction("vote_end", { end: true }, t("what.voteEnd")),
              text: t("end.yes"),
            }),
            el("button", {
              type: "button",
              id: "end-no",
              disabled: busy,
              onclick: () => sendAction("vote_end", { end: false }, t("what.voteEnd")),
              text: t("end.no"),
            }),
          )
        : el("p", { class: "hint", text: t(voted ? "end.voted" : "end.watch") }),
    ),
  );
}

let closeTimer = null; // hides an end vote when it closes unsettled

// The end vote while it is open: the server closes an unsettled one at `closes_at`
// without a word, so the bar goes by itself then.
function openVote(vote) {
  clearTimeout(closeTimer);
  if (!vote) return null;
  const left = vote.closes_at - serverNow();
  if (!(left > 0)) return null;
  closeTimer = setTimeout(render, Math.ceil(left * 1000) + 100);
  return vote;
}

/** The host's "Let a stand-in play" for seat `id` of game view g, once it has been offline
 * long enough and no stand-in plays it yet (null otherwise). */
export function standInButton(g, id) {
  if (!amHost() || g.phase === "game_over" || (g.stand_ins || []).includes(id)) return null;
  const p = findPlayer(id);
  if (!p || p.bot || p.online || !Number.isFinite(p.offline_since)) return null;
  const wait = p.offline_since + STAND_IN_WAIT_S - serverNow();
  if (wait > 0) {
    // Offline, but not long enough yet: look again when it is (the earliest seat first).
    const due = Date.now() + Math.ceil(wait * 1000) + 200;
    if (due < standInAt || standInAt < Date.now()) {
      clearTimeout(standInTimer);
      standInAt = due;
      standInTimer = setTimeout(() => {
        standInAt = Infinity;
        render();
      }, due - Date.now());
    }
    return null;
  }
  return el("button", {
    type: "button",
    class: "small stand-in-button",
    dataset: { standIn: String(id) },
    disabled: app.ui.busy,
    "aria-label": t("standIn.askLabel", { name: nameOf(id) }),
    onclick: () => sendAction("stand_in", { player_id: id }, t("what.standIn", { name: nameOf(id) })),
    text: t("standIn.ask"),
  });
}
