// The role card: this player's role, what it lets them know at night and their goal; a
// spectator's card; and, for players sitting side by side, a cover until pressed.
import { $, el, put } from "./dom.js";
import { pref } from "./prefs.js";
import { app, namesOf, render } from "./state.js";
import { roleLabel, plural, t } from "./text.js";

/** The roles of a game as a list ("Merlin, Loyal Servant ×2, Assassin"). */
export function rolesInPlayText(roles) {
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
      el("p", { class: "hint", text: goalText(you) }),
      el("p", { class: "hint", text: t("card.roles", { roles: rolesInPlayText(g.roles_in_play) }) }),
    ),
    reveal,
  );
}
