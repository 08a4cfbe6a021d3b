// The newer roles' public parts on the board, the same for every player: the Lancelot
// track (the cards turned so far and the switches), a Revealer made public, the quests
// the Witch hid; and below them, while the role card is uncovered, this player's own
// private results (what the Cleric or a loyalty check showed them).
import { $, el, put } from "./dom.js";
import { nameOf } from "./state.js";
import { roleUncovered } from "./table.js";
import { alignmentText, has, listText, plural, roleLabel, t } from "./text.js";

const DECK_QUESTS = [3, 4, 5]; // a deck variant turns a card at the start of these quests

/** The quest at whose start Lancelot card `index` (from 0) is turned or applies. */
export function lancelotQuest(variant, index) {
  return variant === "schedule" ? index + 1 : DECK_QUESTS[index];
}

/** The Lancelot track of a public `lancelot` part ({variant, revealed, applied, switches}):
 * one slot per card the variant uses, face up or down. */
export function lancelotTrack(lancelot, id) {
  const variant = lancelot.variant;
  const revealed = lancelot.revealed || [];
  const slots = variant === "schedule" ? 5 : variant === "know_each_other" ? 0 : DECK_QUESTS.length;
  const applied = Number.isInteger(lancelot.applied) ? lancelot.applied : revealed.length;
  const items = [];
  for (let i = 0; i < slots; i += 1) {
    const card = revealed[i] || "";
    const quest = lancelotQuest(variant, i);
    items.push(
      el(
        "li",
        { class: "lancelot-card", dataset: { card: card || "down", applied: String(i < applied) } },
        el("span", { class: "lc-quest", text: t("quest.number", { quest }) }),
        el("span", { class: "lc-face", text: card ? t("lancelot.card." + card) : t("lancelot.faceDown") }),
      ),
    );
  }
  const switches = lancelot.switches || 0;
  return el(
    "div",
    { id, class: "lancelot-track", dataset: { variant, switches: String(switches) } },
    el("h3", { text: t("lancelot.title", { variant: t("lancelot.variant." + variant) }) }),
    items.length ? el("ol", { class: "lancelot-cards" }, items) : null,
    el("p", {
      class: "hint lancelot-switches",
      text: switches ? plural("lancelot.switches", switches) + (switches % 2 ? " " + t("lancelot.swapped") : "") : t("lancelot.noSwitch"),
    }),
  );
}

/** The lines of the roles made public during the game ({id: role}), named by `name`. */
export function revealedLines(revealed, name) {
  return Object.entries(revealed || {}).map(([id, role]) =>
    t("log.revealed", { name: name(Number(id)), role: roleLabel(role) }),
  );
}

/** A private result ({kind, target, loyalty}) as a sentence, or "" for a kind not known. */
export function resultText(result, name) {
  const key = "result." + result.kind + (result.kind === "sea" && result.role ? "Role" : "");
  if (!has(key)) return "";
  const text = t(key, {
    target: name(result.target),
    from: name(result.from),
    loyalty: alignmentText(result.loyalty),
    role: result.role ? roleLabel(result.role) : "",
    card: t(result.success ? "action.success" : "action.fail"),
  });
  return result.auto ? text + " " + t("result.auto") : text;
}

/** Draw the newer roles' public parts of game view g, and this player's own results. */
export function renderRoleBoard(g) {
  const box = $("#role-board");
  const parts = [];
  if (g.lancelot) parts.push(lancelotTrack(g.lancelot, "lancelot-track"));
  const revealed = revealedLines(g.phase === "game_over" ? {} : g.revealed, nameOf);
  if (revealed.length) parts.push(el("p", { id: "revealed", class: "revealed" }, revealed.join(" ")));
  const hidden = g.phase === "game_over" ? [] : g.hidden_quests || [];
  if (hidden.length) {
    parts.push(el("p", { id: "hidden-quests", class: "hint", text: plural("witch.hidden", hidden.length, { quests: listText(hidden.map(String)) }) }));
  }
  const mine = roleUncovered() && g.you ? g.you.results || [] : [];
  for (const result of mine.filter((r) => r.kind !== "lady")) {
    const text = resultText(result, nameOf);
    if (text) parts.push(el("p", { class: "private-result", dataset: { kind: result.kind }, text }));
  }
  put(box, ...parts);
  box.hidden = parts.length === 0;
}
