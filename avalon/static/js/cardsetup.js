// The cards and table options of the host's form (the Lady's kind, the announce step, the
// Sire of the Sea, the Ref of the Rain, Excalibur, the plot cards, anonymous votes, hidden
// history, a timer for each phase), each with its explanation, drawn from GET /api/rules;
// and the same options in words for the setup everyone sees take shape.
import { $, el, put } from "./dom.js";
import { rules } from "./rules.js";
import { listText, t } from "./text.js";

const boxId = (name) => "opt-" + name.replace(/_/g, "-");

function flagNames() {
  return (rules.table_options || []).filter((o) => o.type === "bool").map((o) => o.name);
}

function flagItem(option) {
  const id = boxId(option.name);
  return el("div", { class: "check card-option", dataset: { option: option.name } },
    el("input", { type: "checkbox", id, name: option.name, "aria-describedby": id + "-hint" }),
    " ",
    el("label", { for: id, text: t(option.texts.name) }),
    " ",
    el("span", { id: id + "-hint", class: "hint", text: t(option.texts.hint) }),
  );
}

/** Build the controls once (the page is translated by a reload). */
export function buildCardControls() {
  const box = $("#card-options");
  if (!box || box.childElementCount || !rules.table_options) return;
  const lady = rules.table_options.find((o) => o.name === "lady");
  const timers = rules.table_options.find((o) => o.name === "turn_timers");
  const kinds = (lady.choices || []).map((kind) => el("option", { value: kind, text: t(rules.option_choice_texts.lady[kind]) }));
  const timerFields = (rules.turn_timer_keys || []).map((key) =>
    el("div", { class: "inline-field" },
      el("label", { for: "opt-tt-" + key, text: t(rules.option_choice_texts.turn_timers[key]) }),
      el("input", { id: "opt-tt-" + key, name: "turn_timers." + key, type: "number", inputmode: "numeric", step: "1" }),
    ),
  );
  put(box,
    el("h3", { text: t("cards.title") }),
    el("div", { id: "lady-kind-row", class: "inline-field" },
      el("label", { for: "opt-lady-kind", text: t(lady.texts.name) }),
      el("select", { id: "opt-lady-kind", name: "lady", "aria-describedby": "opt-lady-kind-hint" }, kinds),
      el("span", { id: "opt-lady-kind-hint", class: "hint", text: t(lady.texts.hint) }),
    ),
    rules.table_options.filter((o) => o.type === "bool").map(flagItem),
    el("div", { class: "check card-option", dataset: { option: "turn_timers" } },
      el("input", { type: "checkbox", id: "opt-turn-timers", name: "turn_timers", "aria-describedby": "opt-turn-timers-hint" }),
      " ",
      el("label", { for: "opt-turn-timers", text: t(timers.texts.name) }),
      " ",
      el("span", { id: "opt-turn-timers-hint", class: "hint", text: t(timers.texts.hint) }),
    ),
    el("div", { id: "turn-timers-row", class: "turn-timers", hidden: true }, timerFields),
  );
}

/** Show what depends on what: the Lady's kind and announce step need the Lady, whose box
 * is named after the kind chosen. */
export function renderCardControls() {
  if (!$("#opt-lady-kind")) return;
  const lady = $("#opt-lady").checked;
  $("#lady-kind-row").hidden = !lady;
  const sea = $("#opt-lady-kind").value === "sea";
  const label = $("label[for=opt-lady]");
  if (label) label.textContent = t(sea ? "option.lady.sea" : "page.lady");
  const announce = $("#opt-lady-announce");
  if (announce) {
    announce.disabled = !lady;
    if (!lady) announce.checked = false;
  }
  $("#turn-timers-row").hidden = !$("#opt-turn-timers").checked;
  const { min, max } = rules.turn_timer;
  for (const key of rules.turn_timer_keys || []) {
    $("#opt-tt-" + key).min = String(min);
    $("#opt-tt-" + key).max = String(max);
  }
}

/** The per-phase timers asked for: {key: seconds}, null (none), or NaN when one is out of range. */
function timersChoice() {
  if (!$("#opt-turn-timers").checked) return null;
  const { min, max } = rules.turn_timer;
  const out = {};
  for (const key of rules.turn_timer_keys || []) {
    const text = $("#opt-tt-" + key).value.trim();
    if (!text) continue;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) return NaN;
    out[key] = value;
  }
  return Object.keys(out).length ? out : null;
}

/** Why the cards' part of the form cannot start ("" if it can). */
export function cardProblem() {
  if (!$("#opt-turn-timers")) return "";
  const { min, max } = rules.turn_timer;
  return Number.isNaN(timersChoice()) ? t("options.timerRange", { min, max }) : "";
}

/** The start options of the cards: {lady, <flags>, turn_timers?}. */
export function cardOptions() {
  if (!$("#opt-lady-kind")) return {};
  const options = { lady: $("#opt-lady").checked ? $("#opt-lady-kind").value : null };
  for (const name of flagNames()) options[name] = $("#" + boxId(name)).checked && !$("#" + boxId(name)).disabled;
  const timers = timersChoice();
  if (timers && !Number.isNaN(timers)) options.turn_timers = timers;
  return options;
}

/** Put a setup's cards and options in the form ({lady, <flags>, turn_timers}). */
export function setCardOptions(table) {
  if (!table || !$("#opt-lady-kind")) return;
  if (typeof table.lady === "string") $("#opt-lady-kind").value = table.lady;
  for (const name of flagNames()) if (typeof table[name] === "boolean") $("#" + boxId(name)).checked = table[name];
  if ("turn_timers" in table) {
    const timers = table.turn_timers || {};
    $("#opt-turn-timers").checked = Object.keys(timers).length > 0;
    for (const key of rules.turn_timer_keys || []) $("#opt-tt-" + key).value = key in timers ? String(timers[key]) : "";
  }
}

/** The cards and options of start options or a view's `options`, as the setup keeps them. */
export function cardSetup(options) {
  if (!options) return null;
  const table = {};
  if (typeof options.lady === "string" || options.lady === null) table.lady = options.lady;
  for (const name of flagNames()) if (typeof options[name] === "boolean") table[name] = options[name];
  if (options.turn_timers && typeof options.turn_timers === "object") table.turn_timers = options.turn_timers;
  return Object.keys(table).length ? table : null;
}

/** The cards and options of a setup in words ("" when none is on); `ladySaid`: the Lady
 * of the Sea is named elsewhere in the sentence. */
export function cardSetupText(table, ladySaid = false) {
  if (!table) return "";
  const on = [];
  if (table.lady === "sea" && !ladySaid) on.push(t(rules.option_choice_texts.lady.sea));
  for (const option of rules.table_options || []) {
    if (option.type === "bool" && table[option.name]) on.push(t(option.texts.name));
  }
  if (table.turn_timers && Object.keys(table.turn_timers).length) {
    const texts = rules.option_choice_texts.turn_timers;
    on.push(t("option.turn_timers") + " (" + Object.entries(table.turn_timers).map(([key, s]) => `${t(texts[key])}: ${s}`).join(t("list.comma")) + ")");
  }
  return on.length ? t("setup.cards", { options: listText(on) }) : "";
}
