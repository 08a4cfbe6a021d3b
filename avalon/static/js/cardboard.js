// The cards and table options on the board, the same for every player: who holds
// Excalibur, the Sire of the Sea and the Ref of the Rain, what the Lady's holders
// announced, the plot cards held and played (a card played face up in the Spotlight, an
// Opinion Maker's open vote) and the deck's size, and an anonymous vote's tally (the
// hidden history's note is in the vote grid's place). Private results are drawn by
// roleboard.js with the other private results, to their holder only. The lines here
// serve the log, the record and the replay too.
import { $, el, put } from "./dom.js";
import { rules } from "./rules.js";
import { nameOf } from "./state.js";
import { alignmentText, listText, t } from "./text.js";

const cardName = (card) => t("card." + card);

/** Whether the Lady in play is the Lady of the Sea, from a view's `options` or a record's
 * (`options` as started, `table_options` as played): every text about her says which. */
export function ladyOfTheSea(parts) {
  return [parts.options, parts.table_options].some((options) => !!options && options.lady === "sea");
}

// Where a moment of a quest falls, as a number that orders the whole game: the quest's
// start (its Lancelot card, then the plot cards used at once), each proposal (a Strong
// Leader before it, the vote, then No Confidence or In the Spotlight after its approval),
// the cards (a card face up, a look, then Excalibur's turn-over), the result, and after it
// the Ref of the Rain, the Lady, her holder's claim and the Sire of the Sea (ROLES.md
// section 3). The log and the replay say their own moves at these moments and the cards'
// effects between them.
export const MOMENT = { lancelot: 0, start: 1, faceUp: 100, look: 105, excalibur: 110, result: 120, ref: 130, lady: 140, announce: 150, sire: 160 };
const PROPOSAL = { before: 1, vote: 2, after: 3 };

/** The order key of a moment of quest `quest` (MOMENT's names). */
export function momentKey(quest, moment) {
  return (quest || 0) * 1000 + MOMENT[moment];
}

/** The order key of a proposal's moment: "before" its team, its "vote", "after" its approval. */
export function proposalKey(quest, proposal, part) {
  return (quest || 0) * 1000 + 10 * (proposal || 1) + PROPOSAL[part];
}

// When a plot card is played (the rules' `when`), from the rules the server sent.
function cardWhen(card) {
  const spec = ((rules && rules.cards) || []).find((c) => c.name === card);
  return spec ? spec.when : null;
}

// The proposal a plot card was played at: its own record, else (games stored before it
// was kept) the proposal it overturned or the first its player led in that quest.
function proposalOf(used, proposals) {
  if (Number.isInteger(used.proposal)) return used.proposal;
  const mine = proposals.filter((p) => p.quest === used.quest);
  const overturned = mine.find((p) => p.no_confidence === used.player);
  const led = mine.find((p) => p.leader === used.player);
  return ((used.card === "no_confidence" ? overturned : led) || mine[0] || {}).proposal || 1;
}

// The order key of a plot card played.
function usedKey(used, proposals) {
  const when = cardWhen(used.card);
  if (when === "at_once") return momentKey(used.quest, "start");
  if (when === "before_proposal") return proposalKey(used.quest, proposalOf(used, proposals), "before");
  if (when === "after_approval") return proposalKey(used.quest, proposalOf(used, proposals), "after");
  return momentKey(used.quest, "look");
}

/** Every public effect of the cards in a view or record (`parts`: excalibur_uses,
 * announcements, sire, ref, plot, and the proposals as `history` or `proposals`), as
 * [{quest, key, text, who}] in the order they happened (`key`: see momentKey; `who`: the
 * use's moment or card, holder or player, and target, to pair a private result with it). */
export function cardEvents(parts, name = nameOf) {
  const out = [];
  const proposals = parts.proposals || parts.history || [];
  for (const use of parts.excalibur_uses || []) {
    const key = use.target === null || use.target === undefined ? "cards.excaliburKept" : "cards.excaliburUsed";
    const text = t(key, { quest: use.quest, holder: name(use.holder), target: name(use.target) });
    const who = { moment: "excalibur", holder: use.holder, target: use.target };
    out.push({ quest: use.quest, key: momentKey(use.quest, "excalibur"), text, who });
  }
  for (const a of parts.announcements || []) {
    const text = t("cards.announced", { holder: name(a.holder), target: name(a.target), claim: alignmentText(a.claim) });
    out.push({ quest: a.quest, key: momentKey(a.quest, "announce"), text });
  }
  for (const [chain, key, moment] of [[parts.sire, "cards.sireUsed", "sire"], [parts.ref, "cards.refUsed", "ref"]]) {
    for (const c of (chain && chain.checks) || []) {
      const who = { moment, holder: c.holder, target: c.target };
      out.push({ quest: c.quest, key: momentKey(c.quest, moment), text: t(key, { holder: name(c.holder), target: name(c.target) }), who });
    }
  }
  for (const u of (parts.plot && parts.plot.used) || []) {
    const target = u.card === "take_responsibility" ? null : u.target;
    const key = target === null || target === undefined ? "cards.played" : "cards.playedOn";
    const who = { card: u.card, player: u.player, target: u.target };
    out.push({ quest: u.quest, key: usedKey(u, proposals), text: t(key, { player: name(u.player), card: cardName(u.card), target: name(target) }), who });
    // In the Spotlight: the card its target then played face up is public too.
    if (typeof u.face_up === "boolean") {
      const text = t("cards.faceUp", { name: name(u.target), card: t(u.face_up ? "action.success" : "action.fail") });
      out.push({ quest: u.quest, key: momentKey(u.quest, "faceUp"), text });
    }
  }
  return out.sort((a, b) => a.key - b.key); // a stable sort: one moment's effects as they came
}

/** Take the effects of `events` (sorted by key) that come before `key`, from `events.next`
 * on (the caller's cursor, 0 at first); `key` null takes the rest. */
export function effectsBefore(events, key) {
  const taken = [];
  let next = events.next || 0;
  while (next < events.length && (key === null || events[next].key < key)) taken.push(events[next++]);
  events.next = next;
  return taken;
}

/** Whether a proposal's approval was overturned by No Confidence (it then counts as a
 * rejection: `approved` is false, `no_confidence` names who played the card). */
export function overturned(p) {
  return p.no_confidence !== null && p.no_confidence !== undefined;
}

/** Who holds which plot cards ({"<id>": [{card}]}) as sentences. */
export function heldLines(held, name = nameOf) {
  return Object.entries(held || {})
    .filter(([, cards]) => cards.length)
    .map(([id, cards]) => t("cards.held", { name: name(Number(id)), cards: listText(cards.map((c) => cardName(c.card))) }));
}

/** An Opinion Maker's vote, cast first and openly ({"<id>": approve}), as sentences. */
export function openVoteLines(votes, name = nameOf) {
  const card = cardName("opinion_maker");
  return Object.entries(votes || {}).map(([id, approve]) =>
    t(approve ? "cards.openApprove" : "cards.openReject", { name: name(Number(id)), card }),
  );
}

/** Draw the cards' public parts of game view g. */
export function renderCardBoard(g) {
  const box = $("#card-board");
  if (!box) return;
  const parts = [];
  const over = g.phase === "game_over";
  if (g.excalibur && !over) parts.push(el("p", { id: "excalibur-holder", text: t("cards.excaliburHolder", { holder: nameOf(g.excalibur.holder) }) }));
  if (g.sire && !over) parts.push(el("p", { id: "sire-holder", text: t("cards.sireHolds", { holder: nameOf(g.sire.holder) }) }));
  if (g.ref && !over) parts.push(el("p", { id: "ref-holder", text: t("cards.refHolds", { holder: nameOf(g.ref.holder) }) }));
  if (g.tally && !over) parts.push(el("p", { id: "vote-tally", text: t("cards.tally", g.tally) }));
  // While the others vote, everyone sees how an Opinion Maker voted.
  const open = g.phase === "voting" && g.plot ? openVoteLines(g.plot.open_votes) : [];
  if (open.length) parts.push(el("p", { id: "open-votes", text: open.join(" ") }));
  if (g.plot) {
    const held = heldLines(g.plot.held);
    parts.push(el("div", { id: "plot-board", class: "plot-board" },
      el("p", { id: "plot-deck", class: "hint", text: t("cards.deckLeft", { count: g.plot.deck_left }) }),
      held.length ? el("ul", { id: "plot-held", class: "plot-held" }, held.map((text) => el("li", { text }))) : null,
    ));
  }
  const events = cardEvents(g);
  if (events.length) parts.push(el("ul", { id: "card-events", class: "card-events hint" }, events.map((e) => el("li", { text: e.text }))));
  put(box, ...parts);
  box.hidden = parts.length === 0;
}
