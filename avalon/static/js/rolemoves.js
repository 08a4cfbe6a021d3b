// The moves of the newer roles in the action panel: the Witch's choice to hide a quest's
// result (the same panel for every player, as the quest cards are: only the Witch's
// choice is taken, anyone else's is refused like any refusal), the loyalty check of the
// player her hide chose, and the Assassin's ways of naming: Merlin, the two lovers,
// Guinevere, or the Cleric and then a good role and its holder.
import { el, keepFocus } from "./dom.js";
import { isAssassin, roleSpec } from "./rules.js";
import { sendAction } from "./socket.js";
import { app, myId, nameOf } from "./state.js";
import { roleLabel, t } from "./text.js";

let redraw = () => {}; // the action panel's render, set by actions.js

/** Say how to draw the action panel again after a choice in one of these forms. */
export function onRedraw(render) {
  redraw = render;
}

function rerender() {
  keepFocus(() => redraw(app.game));
}

/** The Witch's choice: every player sees the very same panel. */
export function witchPanel(busy) {
  const hide = (value) =>
    sendAction("witch_hide", { hide: value }, t("what.witchHide"), t("action.notWitch"));
  return [
    el("p", { id: "witch-intro", text: t("action.witchIntro") }),
    el(
      "div",
      { class: "buttons witch-choice" },
      el("button", { type: "button", id: "witch-hide", disabled: busy, onclick: () => hide(true), text: t("action.witchHide") }),
      el("button", { type: "button", id: "witch-show", disabled: busy, onclick: () => hide(false), text: t("action.witchShow") }),
    ),
    el("p", { id: "witch-rule", class: "hint", text: t("action.witchRule") }),
  ];
}

// The ways the Assassin may name someone in this game, as `as` values ("merlin" first).
function modesOf(g) {
  const inPlay = new Set(g.roles_in_play || []);
  const named = new Set([...inPlay].map((role) => roleSpec(role).assassinated_as).filter(Boolean));
  const modes = ["merlin"];
  if (named.has("lover")) modes.push("lovers");
  if (named.has("guinevere")) modes.push("guinevere");
  if ("cleric_named" in g && named.has("cleric")) modes.push("cleric");
  return modes;
}

// Whom the Assassin may name: anyone but itself and the seats it saw as evil at the deal
// that are still evil now (a Lancelot who switched sides may be named).
function legalTargets(g) {
  const me = myId();
  const switched = !!(g.lancelot && g.lancelot.switches % 2);
  const known = new Set(
    (g.you.sees || []).filter((s) => !(s.as === "evil_lancelot" && switched)).map((s) => s.player_id),
  );
  return g.players.filter((id) => id !== me && !known.has(id));
}

// The good roles the Assassin may name once the Cleric is found.
function clericRoles(g) {
  const good = [...new Set(g.roles_in_play || [])].filter((role) => roleSpec(role).side === "good");
  return good.filter((role) => roleSpec(role).assassinated_as !== "cleric" && roleSpec(role).sees !== "lancelot");
}

function resetPicks(g) {
  const key = `${g.game_id}:assassin:${g.cleric_named ?? ""}`;
  if (app.ui.assassinKey === key) return;
  app.ui.assassinKey = key;
  app.ui.assassinMode = "merlin";
  app.ui.picks = new Set();
  app.ui.clericRole = null;
}

function modeChooser(modes) {
  if (modes.length < 2) return null;
  return el(
    "fieldset",
    { id: "assassin-mode", class: "picker" },
    el("legend", { text: t("picker.assassinMode") }),
    modes.map((mode) =>
      el(
        "label",
        { class: "check pick" },
        el("input", {
          type: "radio",
          name: "assassin-mode",
          id: "mode-" + mode,
          value: mode,
          checked: app.ui.assassinMode === mode,
          onchange: () => {
            app.ui.assassinMode = mode;
            app.ui.picks = new Set();
            rerender();
          },
        }),
        " " + t("assassin.mode." + mode),
      ),
    ),
  );
}

function rolePicker(roles) {
  return el(
    "div",
    { class: "inline-field" },
    el("label", { for: "cleric-role", text: t("picker.clericRole") }),
    el(
      "select",
      {
        id: "cleric-role",
        onchange: (event) => {
          app.ui.clericRole = event.target.value || null;
          rerender();
        },
      },
      el("option", { value: "", text: t("picker.chooseRole") }),
      roles.map((role) => el("option", { value: role, selected: app.ui.clericRole === role, text: roleLabel(role) })),
    ),
  );
}

function payloadOf(mode, picks) {
  const ids = [...picks];
  if (mode === "lovers") return { targets: ids };
  if (mode === "merlin") return { target: ids[0] };
  if (mode === "cleric_role") return { target: ids[0], as: "cleric_role", role: app.ui.clericRole };
  return { target: ids[0], as: mode };
}

/** The Assassin's form: how to name (when the game offers more than Merlin), whom. */
export function assassinationPanel(g) {
  resetPicks(g);
  const pending = Number.isInteger(g.cleric_named);
  const mode = pending ? "cleric_role" : app.ui.assassinMode;
  const needed = mode === "lovers" ? 2 : 1;
  const picks = app.ui.picks;
  const boxes = legalTargets(g).map((id) =>
    el(
      "label",
      { class: "check pick" },
      el("input", {
        type: needed > 1 ? "checkbox" : "radio",
        name: "target",
        id: "target-" + id,
        value: String(id),
        checked: picks.has(id),
        disabled: needed > 1 && !picks.has(id) && picks.size >= needed,
        onchange: (event) => {
          if (needed === 1) picks.clear();
          if (event.target.checked) picks.add(id);
          else picks.delete(id);
          rerender();
        },
      }),
      " " + nameOf(id),
    ),
  );
  const roles = pending ? clericRoles(g) : [];
  const ready = picks.size === needed && (!pending || !!app.ui.clericRole);
  return [
    pending ? el("p", { id: "cleric-found", text: t("action.clericFound", { cleric: nameOf(g.cleric_named) }) }) : modeChooser(modesOf(g)),
    el(
      "form",
      {
        id: "target-form",
        class: "picker",
        dataset: { mode },
        onsubmit: (event) => {
          event.preventDefault();
          if (!ready) return;
          sendAction("assassinate", payloadOf(mode, picks), t("what.assassinate"));
        },
      },
      pending ? rolePicker(roles) : null,
      el("fieldset", {}, el("legend", { text: t("picker.assassin." + mode) }), boxes),
      el("button", {
        type: "submit",
        id: "assassinate",
        class: "primary",
        disabled: !ready || app.ui.busy,
        text: t("action.assassin." + mode),
      }),
    ),
  ];
}

/** The sentence of the assassination phase, for the Assassin and for everyone else. */
export function assassinPhaseText(g) {
  if (Number.isInteger(g.cleric_named)) return t("phase.clericFound", { cleric: nameOf(g.cleric_named) });
  return t(g.you && isAssassin(g.you.role) ? "phase.assassinYou" : "phase.assassin");
}
