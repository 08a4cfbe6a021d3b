// The moves of the cards and table options in the action panel: Excalibur handed with the
// team and used after the cards, the Lady's announcement, the Sire of the Sea, the Ref of
// the Rain and the plot cards (given, played at their timing points, kept). Only the
// player the game waits on sees a form; everyone else reads whom it waits for. Who holds
// what is public, so these panels say nothing a neighbour could not read on the board.
import { el, keepFocus } from "./dom.js";
import { sendAction } from "./socket.js";
import { app, myId, nameOf } from "./state.js";
import { t } from "./text.js";

const CHECK_CARDS = ["overheard_conversation", "open_up", "establish_confidence"]; // played by loyalty_check
const TIMINGS = ["before_proposal", "after_approval", "after_cards"]; // a holder may keep the card

let redraw = () => {}; // the action panel's render, set by actions.js

/** Say how to draw the action panel again after a choice in one of these forms. */
export function onCardRedraw(render) {
  redraw = render;
}

function rerender() {
  keepFocus(() => redraw(app.game));
}

/** The card name of a plot card. */
export function cardName(card) {
  return t("card." + card);
}

/** The step of the plot cards the game waits on, or null. */
export function plotStep(g) {
  return g.phase === "plot" && g.plot && g.plot.queue && g.plot.queue.length ? g.plot.queue[0] : null;
}

/** Excalibur's holder chosen with the team: the team's members other than the leader. */
export function excaliburChooser(g, chosen) {
  if (!(g.options && g.options.excalibur)) return null;
  const me = myId();
  const members = g.players.filter((id) => chosen.has(id) && id !== me);
  if (!members.includes(app.ui.excalibur)) app.ui.excalibur = null;
  const radios = members.map((id) =>
    el("label", { class: "check pick" },
      el("input", {
        type: "radio", name: "excalibur", id: "excalibur-" + id, value: String(id), checked: app.ui.excalibur === id,
        onchange: () => { app.ui.excalibur = id; rerender(); },
      }),
      " " + nameOf(id),
    ),
  );
  return el("fieldset", { id: "excalibur-pick", class: "picker" },
    el("legend", { text: t("picker.excalibur") }),
    radios.length ? radios : el("p", { class: "hint", text: t("picker.excaliburNeeded") }),
  );
}

/** Whether the team form may be sent as far as Excalibur goes. */
export function excaliburReady(g) {
  return !(g.options && g.options.excalibur) || Number.isInteger(app.ui.excalibur);
}

// One choice among `choices` ([{value, label}]), then a button that sends it.
function choiceForm(g, id, legend, choices, buttonText, send) {
  const key = `${g.game_id}:${g.version}:${id}`;
  if (app.ui.cardKey !== key) {
    app.ui.cardKey = key;
    app.ui.cardChoice = undefined;
  }
  const radios = choices.map(({ value, label }) =>
    el("label", { class: "check pick" },
      el("input", {
        type: "radio", name: id, id: `${id}-${value === null ? "none" : value}`, value: String(value),
        checked: app.ui.cardChoice === value,
        onchange: () => { app.ui.cardChoice = value; rerender(); },
      }),
      " " + label,
    ),
  );
  return el("form", {
    id: id + "-form", class: "picker",
    onsubmit: (event) => {
      event.preventDefault();
      if (app.ui.cardChoice !== undefined) send(app.ui.cardChoice);
    },
  },
  el("fieldset", {}, el("legend", { text: legend }), radios),
  el("button", { type: "submit", id: id + "-send", class: "primary", disabled: app.ui.cardChoice === undefined || app.ui.busy, text: buttonText }),
  );
}

const players = (ids) => ids.map((id) => ({ value: id, label: nameOf(id) }));

// Whom a chain (the Sire, the Ref) may go to: never a past holder.
function chainTargets(g, chain) {
  return g.players.filter((id) => !(chain.ineligible || []).includes(id));
}

// The legal targets of a plot step, as the rules say (player ids; card ids for Take Responsibility).
function plotChoices(g, step) {
  const me = step.player;
  const others = g.players.filter((id) => id !== me);
  const held = (g.plot && g.plot.held) || {};
  switch (step.card) {
    case "take_responsibility":
      return others.flatMap((id) => (held[String(id)] || []).map((c) => ({ value: c.card_id, label: `${nameOf(id)}: ${cardName(c.card)}` })));
    case "overheard_conversation": {
      const seat = g.players.indexOf(me);
      const n = g.players.length;
      return players(others.filter((id) => [g.players[(seat + n - 1) % n], g.players[(seat + 1) % n]].includes(id)));
    }
    case "open_up":
    case "establish_confidence":
      return players(others);
    case "in_the_spotlight":
      return players(g.team || []);
    case "keeping_close_eye":
      return players((g.team || []).filter((id) => id !== me && !(g.plot.looked || []).includes(id)));
    default:
      return [];
  }
}

function plotPanel(g, step) {
  const card = cardName(step.card);
  const text = t("cardText." + step.card);
  const intro = el("p", { id: "plot-intro", text: t("phase.plotUseYou", { card, text }) });
  if (step.step === "give") {
    const send = (player) => sendAction("give_plot_card", { card_id: step.card_id, player }, t("what.givePlot"));
    return [intro, choiceForm(g, "plot-give", t("picker.give", { card }), players(g.players.filter((id) => id !== step.player)), t("action.give"), send)];
  }
  const nodes = [intro];
  const choices = plotChoices(g, step);
  if (CHECK_CARDS.includes(step.card)) {
    nodes.push(choiceForm(g, "plot-check", t("picker.plotTarget", { card }), choices, t("action.playPlot"), (target) =>
      sendAction("loyalty_check", { target }, t("what.playPlot"))));
  } else if (choices.length) {
    nodes.push(choiceForm(g, "plot-target", t("picker.plotTarget", { card }), choices, t("action.playPlot"), (target) =>
      sendAction("play_plot_card", { card_id: step.card_id, target }, t("what.playPlot"))));
  } else {
    nodes.push(el("button", { type: "button", id: "plot-play", class: "primary", disabled: app.ui.busy, text: t("action.playPlot"),
      onclick: () => sendAction("play_plot_card", { card_id: step.card_id }, t("what.playPlot")) }));
  }
  if (TIMINGS.includes(step.step)) {
    nodes.push(el("button", { type: "button", id: "plot-skip", disabled: app.ui.busy, text: t("action.skipPlot"),
      onclick: () => sendAction("skip_plot_card", { card_id: step.card_id }, t("what.skipPlot")) }));
  }
  return nodes;
}

/** The panel of a card's phase for this player, or null when the game waits on someone else. */
export function cardPanel(g) {
  const me = myId();
  if (g.phase === "excalibur" && g.excalibur && g.excalibur.holder === me) {
    const members = (g.team || []).filter((id) => id !== me);
    const choices = [{ value: null, label: t("action.nobody") }, ...players(members)];
    return [choiceForm(g, "excalibur-use", t("action.useExcalibur"), choices, t("action.useExcalibur"), (target) =>
      sendAction("use_excalibur", { target }, t("what.useExcalibur")))];
  }
  if (g.phase === "lady_announce" && g.lady && g.lady.checks.length) {
    const check = g.lady.checks[g.lady.checks.length - 1];
    if (check.holder !== me) return null;
    const claim = (value) => sendAction("announce_loyalty", { claim: value }, t("what.announce"));
    return [el("div", { class: "buttons claim-choice" },
      el("button", { type: "button", id: "claim-good", disabled: app.ui.busy, onclick: () => claim("good"), text: t("action.claimGood") }),
      el("button", { type: "button", id: "claim-evil", disabled: app.ui.busy, onclick: () => claim("evil"), text: t("action.claimEvil") }),
    )];
  }
  for (const [phase, move, what, label] of [["sire", "sire_of_the_sea", "what.useSire", "action.showLoyalty"], ["ref", "ref_of_the_rain", "what.useRef", "action.check"]]) {
    const chain = g[phase];
    if (g.phase === phase && chain && chain.holder === me) {
      return [choiceForm(g, phase + "-use", t("phase." + phase + "You"), players(chainTargets(g, chain)), t(label), (target) =>
        sendAction(move, { target }, t(what)))];
    }
  }
  const step = plotStep(g);
  if (step && step.player === me) return plotPanel(g, step);
  return null;
}

/** The sentence of a card's phase, or "" for another phase. */
export function cardPhaseText(g) {
  const me = myId();
  const check = g.lady && g.lady.checks.length ? g.lady.checks[g.lady.checks.length - 1] : null;
  switch (g.phase) {
    case "excalibur":
      return g.excalibur && g.excalibur.holder === me ? t("phase.excaliburYou") : t("phase.excalibur", { holder: nameOf(g.excalibur && g.excalibur.holder) });
    case "lady_announce":
      if (!check) return "";
      return check.holder === me ? t("phase.announceYou", { target: nameOf(check.target) }) : t("phase.announce", { holder: nameOf(check.holder), target: nameOf(check.target) });
    case "sire":
    case "ref": {
      const holder = g[g.phase] && g[g.phase].holder;
      return holder === me ? t("phase." + g.phase + "You") : t("phase." + g.phase, { holder: nameOf(holder) });
    }
    case "plot": {
      const step = plotStep(g);
      if (!step) return "";
      if (step.step === "give") return step.player === me ? t("phase.plotGiveYou", { card: cardName(step.card) }) : t("phase.plotGive", { player: nameOf(step.player) });
      return t("phase.plotWait", { player: nameOf(step.player), card: cardName(step.card) });
    }
    default:
      return "";
  }
}
