// The table: the game's seats drawn around an oval (a column on narrow phones), each with
// its leader, team, Lady, presence, the current proposal's votes once revealed, and what
// this player's role lets them see.
import { $, el, put } from "./dom.js";
import { pref } from "./prefs.js";
import { isEvil } from "./rules.js";
import { ladyOfTheSea } from "./cardboard.js";
import { memberItem } from "./seats.js";
import { standInButton } from "./tableops.js";
import { amHost, app, awaited, findPlayer, myId, nameWithYou, spectators } from "./state.js";
import { alignmentText, listText, roleLabel, t } from "./text.js";

const RING_X = 40; // % of the table's width from its centre to a seat's centre
const RING_Y = 39; // % of the table's height from its centre to a seat's centre

/** Place seat nodes around the oval: seat `bottom` (this player's) at the bottom, the
 * others clockwise from there. */
export function placeOnRing(nodes, bottom) {
  const count = nodes.length;
  const turn = bottom < 0 ? 0 : bottom;
  const angleOf = (index) => Math.PI / 2 + (2 * Math.PI * (index - turn)) / count;
  // Centre the ring vertically: with an odd count the top has no seat of its own.
  const ys = nodes.map((node, index) => RING_Y * Math.sin(angleOf(index)));
  const shift = -(Math.max(...ys) + Math.min(...ys)) / 2;
  nodes.forEach((node, index) => {
    node.style.setProperty("--x", (50 + RING_X * Math.cos(angleOf(index))).toFixed(2) + "%");
    node.style.setProperty("--y", (50 + shift + RING_Y * Math.sin(angleOf(index))).toFixed(2) + "%");
  });
}

/** Whether this page shows what its role knows (false while the player keeps it covered). */
export function roleUncovered() {
  return !pref("hideRole") || app.ui.roleShown;
}

/** The completed vote of the proposal in play (the team on its quest), or null. */
export function currentVotes(g) {
  const history = g.history || [];
  const last = history[history.length - 1];
  if (!last || last.quest !== g.quest || last.proposal !== g.proposal) return null;
  if (g.phase === "team_building" || g.phase === "voting" || g.phase === "game_over") return null;
  return last.votes || null;
}

// The badges of one seat, as [class, text] pairs.
function seatBadges(g, id, votes, sees, checked) {
  const badges = [];
  const over = g.phase === "game_over";
  if (id === g.leader && !over) badges.push(["leader", t("badge.leader")]);
  const sea = ladyOfTheSea(g);
  if (g.lady && g.lady.holder === id && !over) badges.push(["lady", t(sea ? "option.lady.sea" : "badge.lady")]);
  if ((g.team || []).includes(id)) badges.push(["team", t("badge.team")]);
  if (g.phase === "voting" && (g.voted || []).includes(id)) {
    // A ballot the timer or a stand-in cast is said to be one: it is no evidence.
    const auto = (g.auto_voted || []).includes(id);
    badges.push(["voted", t(auto ? "badge.votedAuto" : "badge.voted")]);
  }
  if (g.phase === "questing" && (g.played || []).includes(id)) badges.push(["played", t("badge.played")]);
  if (votes && String(id) in votes) {
    badges.push(votes[String(id)] ? ["approve", t("badge.approved")] : ["reject", t("badge.rejected")]);
  }
  if (roleUncovered()) {
    // What the role knows is said in words on a neutral tag: no colour tells the side.
    if (sees.get(id) === "evil") badges.push(["knows", t("badge.evil")]);
    if (sees.get(id) === "merlin_or_morgana") badges.push(["knows", t("badge.mm")]);
    if (checked.has(id)) badges.push(["knows", t("badge.ladySaw", { alignment: alignmentText(checked.get(id)) })]);
  }
  const role = g.roles && g.roles[String(id)];
  const revealed = g.revealed && g.revealed[String(id)];
  // A role made public during the game (the Revealer's) is the same tag for everyone.
  if (revealed && !role) badges.push(["revealed", t("badge.revealed", { role: roleLabel(revealed) })]);
  if (role) badges.push([isEvil(role) ? "evil" : "good", roleLabel(role)]);
  const p = findPlayer(id);
  if (p && p.bot) badges.push(["bot", t("badge.bot")]);
  if ((g.stand_ins || []).includes(id) && !over) badges.push(["stand-in", t("badge.standIn")]);
  if (!p) badges.push(["offline", t("badge.left")]);
  else if (!p.online) badges.push(["offline", t("badge.offline")]);
  return badges;
}

/** Draw the seats of game view g around the table, and who watches. */
export function renderTable(g) {
  const you = g.you;
  const sees = new Map(((you && you.sees) || []).map((s) => [s.player_id, s.as]));
  const checked = new Map((g.lady_results || []).map((r) => [r.target, r.alignment]));
  const votes = currentVotes(g);
  const me = myId();
  const waiting = new Set(awaited(g));
  const count = g.players.length;
  const items = g.players.map((id, index) => {
    const p = findPlayer(id);
    const badges = seatBadges(g, id, votes, sees, checked);
    const vote = votes && String(id) in votes ? (votes[String(id)] ? "approve" : "reject") : "";
    const node = el(
      "li",
      {
        class: "seat",
        dataset: {
          playerId: String(id),
          online: String(!!(p && p.online)),
          leader: String(id === g.leader && g.phase !== "game_over"),
          team: String((g.team || []).includes(id)),
          waiting: String(waiting.has(id)),
          vote,
          you: String(id === me),
        },
      },
      el(
        "div",
        { class: "seat-head" },
        el("span", { class: "seat-num", dataset: { colour: String(index % 10) }, "aria-label": t("seat.number", { number: index + 1 }), text: String(index + 1) }),
        el("span", { class: "name", text: nameWithYou(id) }),
      ),
      badges.length
        ? el("div", { class: "seat-badges" }, badges.map(([kind, text]) => el("span", { class: "badge " + kind, text })))
        : null,
      standInButton(g, id),
    );
    return node;
  });
  placeOnRing(items, g.players.indexOf(me));
  put($("#seats"), ...items);
  $("#table").dataset.count = String(count);
  const watchers = spectators().map((p) =>
    p.player_id === me ? t("name.you", { name: p.display_name }) : p.display_name,
  );
  // The host may remove a spectator at any time, also during a game: a list with Remove.
  const manage = amHost() && g.phase !== "game_over" && spectators().length > 0;
  const text = watchers.length ? t("seats.watching", { names: listText(watchers) }) : "";
  $("#watchers").textContent = manage ? "" : text;
  put(
    $("#watchers-manage"),
    manage ? el("ul", { id: "game-spectators", class: "players" }, spectators().map((p) => memberItem(p, me, true))) : null,
  );
}
