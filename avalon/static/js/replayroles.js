// The replay's parts for the newer roles: the sentences of their steps (a Lancelot card,
// the Witch's hide and the check it called for, the Cleric's result, a Revealer made
// public, every way of assassinating), what every seat saw at night with every private
// result, and the Lancelot track at each step.
import { cardEvents } from "./cardboard.js";
import { $, el, put } from "./dom.js";
import { assassinationText } from "./named.js";
import { lancelotTrack, resultText } from "./roleboard.js";
import { checkLine, nightText, revealedLines } from "./rolelog.js";
import { roleLabel, t } from "./text.js";

/** The sentence of a step of the newer roles, or null for another kind of step. */
export function roleStepText(record, step, name, names) {
  switch (step.kind) {
    case "lancelot": {
      const card = record.lancelot.revealed[step.card];
      return t(card === "switch" ? "log.lancelotSwitch" : "log.lancelotStay", { quest: step.quest });
    }
    case "witch": {
      const check = (record.results || []).find((r) => r.kind === "check");
      const hid = t("log.questWasHidden", { quest: step.quest });
      if (!check) return hid;
      const line = checkLine(check.to, check.target, name);
      return [hid, line, privateText(check, name)].join(" ");
    }
    case "cleric": {
      const result = (record.results || []).find((r) => r.kind === "cleric");
      return privateText(result, name);
    }
    case "card":
      return cardEvents(record, name)[step.effect].text;
    case "revealed":
      return revealedLines(record.revealed, name).join(" ");
    case "assassination": {
      const a = record.assassination || { assassin: record.assassin, target: record.assassin_target };
      const text = assassinationText(a, record.roles, name, names);
      return record.assassination_auto ? text + " " + t("log.autoMove", { name: name(record.assassin) }) : text;
    }
    default:
      return null;
  }
}

// "Ann (Cleric) learned: Ben is evil."
function privateText(result, name) {
  if (!result) return "";
  return t("night.result", { name: name(result.to), role: roleOf(result.to), text: resultText(result, name) });
}

let roles = {}; // the roles of the record drawn last, for privateText

function roleOf(id) {
  return roles[String(id)] ? roleLabel(roles[String(id)]) : t("over.unknown");
}

/** Draw what every seat saw at night and every private result of a record. */
export function drawNight(record, name) {
  roles = record.roles || {};
  const night = record.night || {};
  const items = (record.players || []).map((id) =>
    el("li", { dataset: { playerId: String(id) }, text: t("night.seat", { name: name(id), text: nightText(night[String(id)], roles[String(id)], name) }) }),
  );
  const results = (record.results || []).map((r) => el("li", { dataset: { kind: r.kind }, text: privateText(r, name) }));
  $("#replay-night-card").hidden = !record.night;
  put($("#replay-night"), items);
  put($("#replay-results"), results);
  $("#replay-results-title").hidden = results.length === 0;
}

/** Draw the Lancelot track of a step's board (nothing without the Lancelots). */
export function drawLancelot(board) {
  put($("#replay-lancelot"), board.lancelot ? lancelotTrack(board.lancelot, "replay-lancelot-track") : null);
}
