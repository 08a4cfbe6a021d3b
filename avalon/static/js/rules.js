// The game's rule tables, limits and close codes, as the server serves them at /api/rules.
// The client keeps no copy of its own: everything here is read once at boot.

// Keys an answer of /api/rules must have before the client relies on it.
const REQUIRED_KEYS = [
  "min_players", "max_players", "team_sizes", "fails_required", "evil_count", "roles",
  "evil_roles", "required_roles", "optional_roles", "max_proposals",
  "lady_default_min_players", "limits", "close_codes", "role_table", "setup_rules",
];

/** The loaded rules (null until setRules() has run). */
export let rules = null;

let evilRoles = new Set();
let roleSpecs = new Map(); // role name -> its entry of `role_table`
let closeNames = new Map(); // close code number -> its name

/** Take the rules the server sent; throws if the answer lacks a table. */
export function setRules(data) {
  const missing = REQUIRED_KEYS.filter((key) => !data || data[key] === undefined);
  if (missing.length) throw new Error("incomplete rules: " + missing.join(", "));
  rules = data;
  evilRoles = new Set(data.evil_roles);
  roleSpecs = new Map(data.role_table.map((spec) => [spec.name, spec]));
  closeNames = new Map(Object.entries(data.close_codes).map(([name, code]) => [code, name]));
}

/** Whether a role is on the evil side. */
export function isEvil(role) {
  return evilRoles.has(role);
}

/** A role's entry of the rules' role table ({name, side, sees, group, assassin, …}), or
 * an empty object for a role this server does not list. */
export function roleSpec(role) {
  return roleSpecs.get(role) || {};
}

/** The roles a setup may choose (every role but servants and minions), in the rules' order. */
export function specialRoles() {
  return rules.role_table.filter((spec) => !spec.filler).map((spec) => spec.name);
}

/** Whether a role names the Assassin's target at the end (Assassin, MordredAssassin). */
export function isAssassin(role) {
  return !!roleSpec(role).assassin;
}

/** Whether the Lancelot variant of a game forces the Lancelots' quest cards. */
export function forcedVariant(variant) {
  return (rules.forced_lancelot_variants || []).includes(variant);
}

/** The name of a close code the server uses ("replaced"), or null for any other code. */
export function closeName(code) {
  return closeNames.get(code) || null;
}

/** The number of a close code by its name. */
export function closeCode(name) {
  return rules.close_codes[name];
}

/** The team size of each quest for a table of n players. */
export function teamSizes(n) {
  return rules.team_sizes[String(n)];
}

/** The fail cards each quest needs to fail, for a table of n players. */
export function failsRequired(n) {
  return rules.fails_required[String(n)];
}

/** How many evil seats a table of n players has. */
export function evilCount(n) {
  return rules.evil_count[String(n)];
}

/** A room code typed or read from a URL, upper-cased, or null if it cannot be one. */
export function normaliseCode(text) {
  const { code_alphabet: alphabet, code_length: length } = rules.limits;
  const code = String(text || "").trim().toUpperCase();
  if (code.length !== length) return null;
  for (const char of code) if (!alphabet.includes(char)) return null;
  return code;
}
