// The newer roles' public events in words, for the game's log, the record and the replay:
// the Lancelot cards turned, a quest the Witch hid (and shown at the end), the Revealer
// made public, the Witch's loyalty check; and a player's own private results.
import { lancelotQuest, resultText, revealedLines } from "./roleboard.js";

export { revealedLines };
import { roleLabel, t } from "./text.js";

/** The Lancelot cards that took effect at the start of quest `quest`, as sentences. */
export function lancelotLines(lancelot, quest) {
  if (!lancelot) return [];
  const revealed = lancelot.revealed || [];
  const applied = Number.isInteger(lancelot.applied) ? lancelot.applied : revealed.length;
  const lines = [];
  revealed.slice(0, applied).forEach((card, index) => {
    if (lancelotQuest(lancelot.variant, index) !== quest) return;
    lines.push(t(card === "switch" ? "log.lancelotSwitch" : "log.lancelotStay", { quest }));
  });
  return lines;
}

/** What a quest's result says about the Witch: hidden now, or hidden until the end. */
export function hiddenLine(result, hiddenQuests) {
  if (result.success === null || result.success === undefined) return t("log.questHidden", { quest: result.quest });
  return (hiddenQuests || []).includes(result.quest) || result.hidden ? t("log.questWasHidden", { quest: result.quest }) : "";
}

/** The quest after which the Revealer became public: the second failed quest shown. */
export function revealQuest(results) {
  const failed = (results || []).filter((r) => r.success === false && !r.hidden);
  return failed.length >= 2 ? failed[1].quest : null;
}

/** A loyalty check the Witch's hide called for: who makes it, and of whom once known. */
export function checkLine(checker, target, name) {
  if (target === null || target === undefined) return t("log.checkStarted", { checker: name(checker) });
  return t("log.checked", { checker: name(checker), target: name(target) });
}

/** What a seat saw at night ([{player_id, as}]) as one sentence; `role` is its role. */
export function nightText(sees, role, name) {
  if (!sees || !sees.length) return t("night.nobody", { role: roleLabel(role) });
  const groups = new Map();
  for (const s of sees) groups.set(s.as, (groups.get(s.as) || []).concat([name(s.player_id)]));
  const parts = [...groups].map(([tag, names]) =>
    t("night.as", {
      names: names.join(t("list.comma")),
      tag: tag in TAGS ? t(TAGS[tag]) : roleLabel(tag),
    }),
  );
  return t("night.saw", { role: roleLabel(role), seen: parts.join(t("list.semicolon")) });
}

// The words of each way of seeing (`you.sees[].as`); any other tag is an exact role.
const TAGS = {
  evil: "tag.evil",
  merlin_or_morgana: "tag.merlinOrMorgana",
  evil_lancelot: "tag.evilLancelot",
  lancelot: "tag.lancelot",
  lover: "tag.lover",
};

/** A private result in words (see roleboard.js). */
export function privateLine(result, name) {
  return resultText(result, name);
}
