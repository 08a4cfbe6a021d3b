// Every string the client shows comes from a message table: one JSON file per language in
// /static/i18n/, keyed, loaded at boot (i18n.js). A message is a string with {name}
// placeholders, or, when it depends on a count, an object of plural forms ({one, other},
// and whatever else the language's rules ask for) chosen with Intl.PluralRules.

let locale = "en"; // the language of the messages in use
let messages = {}; // the table of that language
let fallback = {}; // English, for a key a table lacks (the tests make sure none does)
let pluralRules = new Intl.PluralRules(locale);

/** Use the message table `table` of language `lang`, with English as `base`. */
export function setMessages(lang, table, base) {
  locale = lang;
  messages = table || {};
  fallback = base || {};
  pluralRules = new Intl.PluralRules(lang);
}

/** The language of the messages shown ("en", "fr", "zh", …). */
export function language() {
  return locale;
}

function lookup(key) {
  if (Object.prototype.hasOwnProperty.call(messages, key)) return messages[key];
  if (Object.prototype.hasOwnProperty.call(fallback, key)) return fallback[key];
  return undefined;
}

function fill(template, params) {
  return template.replace(/\{(\w+)\}/g, (whole, name) =>
    params && params[name] !== undefined && params[name] !== null ? String(params[name]) : whole,
  );
}

/** Whether the table has a message for this key. */
export function has(key) {
  return lookup(key) !== undefined;
}

/** The message for key with its {placeholders} filled from params; the key if unknown. */
export function t(key, params) {
  const message = lookup(key);
  if (message === undefined) return key;
  if (typeof message !== "string") return plural(key, params && params.count, params);
  return fill(message, params);
}

/** The plural form of a counted message for count; {count} is filled in too. */
export function plural(key, count, params) {
  const message = lookup(key);
  if (message === undefined) return key;
  const all = Object.assign({ count }, params);
  if (typeof message === "string") return fill(message, all);
  const form = message[pluralRules.select(Number(count))] || message.other;
  return fill(form, all);
}

/** "A", "A and B", "A, B and C" in the page's language, or "nobody" for no one. */
export function listText(items) {
  if (items.length === 0) return t("list.nobody");
  if (items.length === 1) return items[0];
  return items.slice(0, -1).join(t("list.comma")) + t("list.and") + items[items.length - 1];
}

/** A small number in words where the table has one ("two"), else in digits. */
export function numberWord(n) {
  return has("number." + n) ? t("number." + n) : String(n);
}

/** The display name of a role ("Minion of Mordred"), or its id if unknown. */
export function roleLabel(role) {
  return has("role." + role) ? t("role." + role) : role;
}

/** "good" or "evil" as words of a sentence. */
export function alignmentText(alignment) {
  return has("alignment." + alignment) ? t("alignment." + alignment) : String(alignment);
}

/** Why a game ended, as a sentence, or "" for an unknown reason. */
export function reasonText(reason) {
  return has("reason." + reason) ? t("reason." + reason) : "";
}

/** "Good wins. …" or "Evil wins. …" with the reason; a game the table ended has no winner. */
export function winsText(winner, reason) {
  if (winner !== "good" && winner !== "evil") return t("wins.none");
  return t(winner === "good" ? "wins.good" : "wins.evil", { reason: reasonText(reason) });
}
