// The role card: this player's role and side, what it saw at night and why, what it may
// do and its goal (the texts are the rules' keys for the role); a
// spectator's card; and, for players sitting side by side, a cover until pressed.
import { $, el, put } from "./dom.js";
import { pref } from "./prefs.js";
import { app, namesOf, render } from "./state.js";
import { isAssassin, isEvil, roleSpec } from "./rules.js";
import { alignmentText, has, listText, roleLabel, plural, t } from "./text.js";

/** The roles of a game as a list ("Merlin, Loyal Servant ×2, Assassin"). */
export function rolesInPlayText(roles) {
  const counts = new Map();
  for (const role of roles || []) counts.set(role, (counts.get(role) || 0) + 1);
  return [...counts]
    .map(([role, n]) => (n > 1 ? t("card.roleCount", { role: roleLabel(role), count: n }) : roleLabel(role)))
    .join(t("list.comma"));
}

// The seats a role saw at night, by how it saw them ({tag: [ids]}), in the order seen.
function seenByTag(you) {
  const tags = new Map();
  for (const s of you.sees || []) tags.set(s.as, (tags.get(s.as) || []).concat([s.player_id]));
  return tags;
}

// One sentence per way of seeing: "Ann and Ben are evil.", "Cat is your lover."
function sightLines(you, side, inPlay) {
  const lines = [];
  for (const [tag, ids] of seenByTag(you)) {
    const names = namesOf(ids);
    if (tag === "evil") lines.push(plural(side === "good" ? "knows.merlinEvil" : "knows.evil", ids.length, { names }));
    else if (tag === "merlin_or_morgana") lines.push(ids.length === 2 ? t("knows.percivalTwo", { names }) : t(inPlay.has("morgana") ? "knows.percivalOneOrMorgana" : "knows.percivalOne", { names }));
    else if (tag === "evil_lancelot") lines.push(t("seen.evilLancelot", { names }));
    else if (tag === "lancelot") lines.push(ids.length > 1 ? t("seen.lancelots", { names }) : t("seen.otherLancelot", { names }));
    else if (tag === "lover") lines.push(t("seen.lover", { names }));
    else ids.forEach((id) => lines.push(t("seen.role", { name: namesOf([id]), role: roleLabel(tag) })));
  }
  return lines;
}

// The evil roles in play this role cannot see although its sight shows evil players.
function hiddenFrom(you, inPlay) {
  const sight = roleSpec(you.role).sees;
  const flag = sight === "merlin" || sight === "merlin_pure" ? "seen_by_merlin" : sight === "evil" ? "seen_by_evil" : null;
  if (!flag) return [];
  return [...inPlay].filter((role) => role !== you.role && isEvil(role) && roleSpec(role)[flag] === false);
}

/** What this player's role lets them know at night, and why, as one paragraph. */
export function knowledgeText(g) {
  const you = g.you;
  const spec = roleSpec(you.role);
  const inPlay = new Set(g.roles_in_play || []);
  const parts = sightLines(you, spec.side, inPlay);
  if (!parts.length && spec.sees !== "none") parts.push(t("seen.nobody"));
  const hidden = hiddenFrom(you, inPlay);
  if (hidden.length) parts.push(t("knows.hidden", { roles: listText(hidden.map(roleLabel)) }));
  if (has("knows." + you.role)) parts.push(t("knows." + you.role));
  return parts.join(" ");
}

function goalText(you) {
  const goal = t(you.alignment === "good" ? "goal.good" : "goal.evil");
  return isAssassin(you.role) ? goal + " " + t("goal.assassin") : goal;
}

// What the role may do (and must), and a Lancelot's switch of sides.
function doesText(g) {
  const you = g.you;
  const parts = has("does." + you.role) ? [t("does." + you.role)] : [];
  const side = roleSpec(you.role).side;
  if (side && side !== you.alignment) parts.push(t("card.switched", { side: alignmentText(you.alignment) }));
  return parts.join(" ");
}

function toggleRole() {
  app.ui.roleShown = !app.ui.roleShown;
  render();
  const button = $("#reveal-role");
  if (button) button.focus();
}

/** Draw the role card of game view g (covered when the player hides it). */
export function renderRoleCard(g) {
  const card = $("#role-card");
  const you = g.you;
  if (!you) {
    document.body.dataset.roleCovered = "false";
    card.dataset.role = "";
    card.dataset.alignment = "";
    put(card,
      el("h2", { text: t("card.watching") }),
      el("p", { id: "night-knowledge", text: t("card.watchingText") }),
      el("p", { class: "hint", text: t("card.rolesWatching", { roles: rolesInPlayText(g.roles_in_play) }) }),
    );
    return;
  }
  const hiding = pref("hideRole");
  const shown = !hiding || app.ui.roleShown;
  document.body.dataset.roleCovered = String(!shown);
  const reveal = hiding
    ? el("button", {
        type: "button",
        id: "reveal-role",
        class: "reveal-role",
        "aria-expanded": String(shown),
        "aria-controls": "role-details",
        onclick: toggleRole,
        text: t(shown ? "card.hide" : "card.show"),
      })
    : null;
  card.dataset.covered = String(!shown);
  if (!shown) {
    // Nothing of the role is in the page while it is covered, not even its colour.
    card.dataset.role = "";
    card.dataset.alignment = "";
    put(card,
      el("h2", { text: t("card.title") }),
      el("p", { class: "hint", text: t("card.covered") }),
      reveal,
    );
    return;
  }
  card.dataset.role = you.role;
  card.dataset.alignment = you.alignment;
  put(card,
    el("h2", { text: t("card.title") }),
    el(
      "div",
      { id: "role-details" },
      el(
        "p",
        { class: "role-line" },
        el("strong", { id: "my-role", text: t("card.you", { role: t("roleYou." + you.role) }) }),
        " ",
        el("span", { class: "badge side", text: t(you.alignment === "good" ? "side.good" : "side.evil") }),
      ),
      el("p", { id: "night-knowledge", text: knowledgeText(g) }),
      el("p", { id: "role-does", class: "hint", text: doesText(g) }),
      el("p", { class: "hint", text: goalText(you) }),
      el("p", { class: "hint", text: t("card.roles", { roles: rolesInPlayText(g.roles_in_play) }) }),
    ),
    reveal,
  );
}
