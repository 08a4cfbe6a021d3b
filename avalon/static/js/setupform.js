// The roles part of the host's options form: the presets, every role the rules list with
// its explanation (ProAvalon's house roles under their own heading), the options a role
// brings (the Lancelot cards, naming the Cleric), and why a setup cannot start. Drawn
// from GET /api/rules: the client keeps no copy of the rules.
import { $, el, put } from "./dom.js";
import { evilCount, isEvil, roleSpec, rules, specialRoles } from "./rules.js";
import { listText, roleLabel, t } from "./text.js";

const GROUPS = ["classic", "extra", "house"]; // the role table's groups, in the form's order

// The roles that always come together with `role` (itself included).
function pairOf(role) {
  return (rules.setup_rules.pairs || []).find((pair) => pair.includes(role)) || [role];
}

// The roles of the setup once `role` is ticked: its pair comes along, and a role it
// replaces (Merlin Pure for Merlin, MordredAssassin for the Assassin and Mordred) goes.
function withRole(roles, role) {
  const { one_of: oneOf = [], excludes = {} } = rules.setup_rules;
  const out = new Set(roles);
  for (const added of pairOf(role)) {
    for (const group of oneOf) if (group.includes(added)) group.forEach((other) => out.delete(other));
    for (const other of excludes[added] || []) out.delete(other);
    for (const [owner, others] of Object.entries(excludes)) if (others.includes(added)) out.delete(owner);
    out.add(added);
  }
  return [...out];
}

// The roles of the setup once `role` is unticked: its pair goes with it.
function withoutRole(roles, role) {
  const pair = pairOf(role);
  return roles.filter((r) => !pair.includes(r));
}

// Whether these roles fit the seats of a table of `count` (clamped to the rules' range).
function seatsFor(count, roles) {
  const seats = Math.min(rules.max_players, Math.max(rules.min_players, count));
  const evil = evilCount(seats);
  const evilChosen = roles.filter((r) => isEvil(r)).length;
  return { seats, evil, good: seats - evil, evilChosen, goodChosen: roles.length - evilChosen };
}

function fits(count, roles) {
  const s = seatsFor(count, roles);
  return s.evilChosen <= s.evil && s.goodChosen <= s.good;
}

// "Merlin or Merlin Pure" for a need written "merlin|merlin_pure".
function needText(need) {
  return need.split("|").map(roleLabel).join(t("list.or"));
}

/** Why roles `roles` cannot start a game of `count` players ("" if they can). */
export function setupProblem(count, roles) {
  const { min_players: min, max_players: max } = rules;
  const { one_of: oneOf = [], excludes = {}, pairs = [], needs = {} } = rules.setup_rules;
  const chosen = new Set(roles);
  if (count < min) return t("options.tooFew", { min, count });
  if (count > max) return t("options.tooMany", { max, count });
  for (const group of oneOf) {
    const picked = group.filter((r) => chosen.has(r));
    const names = group.map(roleLabel).join(t("list.or"));
    if (picked.length === 0) return t("options.needOne", { roles: names });
    if (picked.length > 1) return t("options.onlyOne", { roles: names });
  }
  for (const [role, others] of Object.entries(excludes)) {
    const clash = others.find((other) => chosen.has(role) && chosen.has(other));
    if (clash) return t("options.excludes", { role: roleLabel(role), other: roleLabel(clash) });
  }
  for (const pair of pairs) {
    const inside = pair.filter((r) => chosen.has(r));
    if (inside.length === 1) {
      const other = pair.find((r) => r !== inside[0]);
      return t("options.pair", { role: roleLabel(inside[0]), other: roleLabel(other) });
    }
  }
  for (const [role, needed] of Object.entries(needs)) {
    if (!chosen.has(role)) continue;
    const missing = needed.filter((need) => !need.split("|").some((r) => chosen.has(r)));
    if (missing.length) return t("options.needs", { role: roleLabel(role), needs: listText(missing.map(needText)) });
  }
  for (const role of roles) {
    const counts = roleSpec(role).player_counts;
    if (counts && !counts.includes(count)) return t("options.notWith", { role: roleLabel(role), count });
  }
  const s = seatsFor(count, roles);
  if (s.evilChosen > s.evil) return t("options.evilSeats", { players: count, evil: s.evil, chosen: s.evilChosen });
  if (s.goodChosen > s.good) return t("options.tooManyGood", { players: count, good: s.good });
  return "";
}

/** What a legal setup may want changed (a warning, never a refusal), or "". */
export function setupWarning(roles) {
  const chosen = new Set(roles);
  for (const [role, other] of Object.entries(rules.setup_rules.warn || {})) {
    if (chosen.has(role) && !chosen.has(other)) return t("options.warnWithout", { role: roleLabel(role), other: roleLabel(other) });
  }
  for (const [role, others] of Object.entries(rules.setup_rules.warn_with || {})) {
    const clash = others.filter((other) => chosen.has(other));
    if (chosen.has(role) && clash.length) return t("options.warnWith", { role: roleLabel(role), others: listText(clash.map(roleLabel)) });
  }
  return "";
}

/** The roles of preset `name` for a table of `count`: its roles in order while they fit. */
export function presetRoles(name, count) {
  const preset = (rules.setup_presets || {})[name];
  let roles = [];
  for (const role of preset ? preset.roles : []) {
    if (roles.includes(role)) continue;
    const next = withRole(roles, role);
    const counts = roleSpec(role).player_counts;
    if (fits(count, next) && (!counts || counts.includes(seatsFor(count, next).seats))) roles = next;
  }
  return roles;
}

function roleBox(role) {
  return $("#opt-" + role);
}

/** The roles ticked, in the rules' order. */
export function chosenRoles() {
  return specialRoles().filter((role) => roleBox(role) && roleBox(role).checked);
}

/** Tick exactly these roles. */
export function setChosenRoles(roles) {
  const chosen = new Set(roles);
  for (const role of specialRoles()) if (roleBox(role)) roleBox(role).checked = chosen.has(role);
}

function roleItem(role) {
  const id = "opt-" + role;
  return el(
    "div",
    { class: "check role-option", dataset: { role } },
    el("input", { type: "checkbox", id, name: "role", value: role, "aria-describedby": id + "-hint" }),
    " ",
    el("label", { for: id, text: roleLabel(role) }),
    " ",
    el("span", { id: id + "-hint", class: "hint", text: t("page.hint." + role) }),
  );
}

function groupBox(group) {
  const roles = specialRoles().filter((role) => roleSpec(role).group === group);
  if (!roles.length) return null;
  const items = roles.map(roleItem);
  if (group === "house") {
    return el("details", { id: "roles-house", class: "role-group" },
      el("summary", { text: t("page.rolesHouse") }),
      el("p", { class: "hint", text: t("page.hint.house") }),
      items,
    );
  }
  return el("div", { id: "roles-" + group, class: "role-group" },
    el("h3", { text: t(group === "classic" ? "page.rolesClassic" : "page.rolesExtra") }),
    items,
  );
}

/** Build the presets, the role boxes and the roles' options once (the page is
 * translated by a reload, so once is enough). */
export function buildRoleControls(onPreset) {
  if ($("#role-options").childElementCount) return;
  const presets = Object.keys(rules.setup_presets || {}).map((name) =>
    el("button", { type: "button", id: "preset-" + name, class: "small", dataset: { preset: name }, onclick: () => onPreset(name), text: t("preset." + name) }),
  );
  put($("#role-presets"),
    el("span", { id: "presets-label", text: t("page.presets") }),
    el("span", { class: "buttons", role: "group", "aria-labelledby": "presets-label" }, presets),
  );
  put($("#role-options"), GROUPS.map(groupBox));
  setChosenRoles(rules.required_roles); // Merlin and the Assassin, until the host says otherwise
  const variants = (rules.lancelot_variants || []).map((variant) =>
    el("option", { value: variant, text: t("lancelot.variant." + variant) }),
  );
  put($("#role-extras"),
    el("div", { id: "lancelot-row", class: "inline-field", hidden: true },
      el("label", { for: "opt-lancelot-variant", text: t("page.lancelotVariant") }),
      el("select", { id: "opt-lancelot-variant", name: "lancelot_variant", "aria-describedby": "opt-lancelot-variant-hint" }, variants),
      el("span", { id: "opt-lancelot-variant-hint", class: "hint" }),
    ),
    el("div", { id: "cleric-row", class: "check", hidden: true },
      el("input", { type: "checkbox", id: "opt-cleric-assassination", name: "cleric_assassination", "aria-describedby": "opt-cleric-assassination-hint" }),
      " ",
      el("label", { for: "opt-cleric-assassination", text: t("page.clericAssassination") }),
      " ",
      el("span", { id: "opt-cleric-assassination-hint", class: "hint", text: t("page.hint.clericAssassination") }),
    ),
  );
}

/** A role box was ticked or unticked: its pair follows, a role it replaces goes. */
export function onRoleToggle(box) {
  const roles = chosenRoles();
  setChosenRoles(box.checked ? withRole(roles, box.value) : withoutRole(roles, box.value));
}

/** Disable the boxes of roles that no longer fit (one can always be unticked), and show
 * the options of the roles chosen. */
export function renderRoleControls(count) {
  const roles = chosenRoles();
  for (const role of specialRoles()) {
    const box = roleBox(role);
    if (box) box.disabled = !box.checked && !fits(count, withRole(roles, role));
  }
  const options = rules.role_options || {};
  $("#lancelot-row").hidden = !roles.includes(options.lancelot_variant);
  $("#cleric-row").hidden = !roles.includes(options.cleric_assassination);
  const variant = $("#opt-lancelot-variant").value;
  $("#opt-lancelot-variant-hint").textContent = variant ? t("lancelot.hint." + variant) : "";
}

/** The options the chosen roles bring ({lancelot_variant}, {cleric_assassination}). */
export function roleOptions(roles) {
  const options = rules.role_options || {};
  const extra = {};
  if (roles.includes(options.lancelot_variant)) extra.lancelot_variant = $("#opt-lancelot-variant").value;
  if (roles.includes(options.cleric_assassination)) extra.cleric_assassination = $("#opt-cleric-assassination").checked;
  return extra;
}

/** Put a setup's role options in the form (a preset's, the last game's). */
export function setRoleOptions(setup) {
  if (setup.lancelot_variant) $("#opt-lancelot-variant").value = setup.lancelot_variant;
  if (typeof setup.cleric_assassination === "boolean") $("#opt-cleric-assassination").checked = setup.cleric_assassination;
}
