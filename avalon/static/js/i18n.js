// The page's language: which message table to load, the static text of index.html filled
// from it, and the language picker, remembered in localStorage. The server picks the
// language of `<html lang>` (from ?lang=, else the browser's Accept-Language); a language
// chosen with the picker wins over the browser's on later visits.
import { $ } from "./dom.js";
import { storageGet, storageSet } from "./state.js";
import { language, setMessages, t } from "./text.js";

const LANG_KEY = "avalon.lang"; // localStorage: the language picked, e.g. "de"
const DEFAULT_LANGUAGE = "en"; // also the table every other one falls back on
// The languages with a table in /static/i18n/. Their names stay in their own language
// on every page (a reader looks for their own language's name), so they are no messages.
export const LANGUAGES = {
  en: "English",
  es: "Español",
  de: "Deutsch",
  fr: "Français",
  pt: "Português",
  ru: "Русский",
  zh: "简体中文",
};

function known(lang) {
  return Object.prototype.hasOwnProperty.call(LANGUAGES, lang) ? lang : null;
}

/** The language to show: ?lang= in the address, else the one picked, else the page's. */
export function chosenLanguage() {
  const asked = known(new URLSearchParams(location.search).get("lang"));
  const picked = known(storageGet(LANG_KEY));
  const served = known((document.documentElement.lang || "").slice(0, 2).toLowerCase());
  return asked || picked || served || DEFAULT_LANGUAGE;
}

async function fetchTable(lang) {
  const response = await fetch("/static/i18n/" + lang + ".json", { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error("message table " + lang + ": " + response.status);
  return response.json();
}

/** Load the message table of the language to show, and English beside it (alone when
 * the other table cannot be had: English is better than no page). */
export async function loadMessages() {
  let lang = chosenLanguage();
  const [table, base] = await Promise.all([
    lang === DEFAULT_LANGUAGE ? null : fetchTable(lang).catch(() => null),
    fetchTable(DEFAULT_LANGUAGE),
  ]);
  if (!table) lang = DEFAULT_LANGUAGE;
  setMessages(lang, table || base, base);
  document.documentElement.lang = lang;
}

// Fill an element from a message whose {names} are its children marked data-slot="name":
// those elements stay (with their ids and listeners) and the words move around them.
function fillSlots(node, template) {
  const slots = new Map([...node.querySelectorAll(":scope > [data-slot]")].map((s) => [s.dataset.slot, s]));
  const parts = template.split(/\{(\w+)\}/);
  const nodes = parts.map((part, index) => {
    if (index % 2 === 0) return part ? document.createTextNode(part) : null;
    return slots.get(part) || document.createTextNode("{" + part + "}");
  });
  node.replaceChildren(...nodes.filter(Boolean));
}

/** Put the page's static text in the language shown: elements marked data-i18n (their
 * text) and data-i18n-attr ("aria-label=key,placeholder=key"). */
export function translatePage() {
  for (const node of document.querySelectorAll("[data-i18n]")) {
    const text = t(node.dataset.i18n);
    if (node.querySelector(":scope > [data-slot]")) fillSlots(node, text);
    else node.textContent = text;
  }
  for (const node of document.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of node.dataset.i18nAttr.split(",")) {
      const [attribute, key] = pair.split("=");
      node.setAttribute(attribute.trim(), t(key.trim()));
    }
  }
  document.documentElement.lang = language();
  $("#lang-select").value = language();
}

// Show the page again in another language: remember it, and load the address with
// ?lang= so that the server's <html lang> says the same from the first byte.
function onPick(event) {
  const lang = known(event.target.value);
  if (!lang || lang === language()) return;
  storageSet(LANG_KEY, lang);
  const url = new URL(location.href);
  url.searchParams.set("lang", lang);
  location.replace(url.toString());
}

/** React to a choice in the language picker; wired before anything loads, so a choice
 * made while the page is still starting is not lost. */
export function wirePicker() {
  $("#lang-select").addEventListener("change", onPick);
}
