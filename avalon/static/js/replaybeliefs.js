// What the table could have known: each seat's chance of being evil after a step, from
// public facts alone. The server works it out with the bots' own reasoning and sends it
// in the record (`beliefs`: one entry per vote and quest result); this draws the entry
// of the step on show beside the replay's table.

import { $, el, put } from "./dom.js";
import { t } from "./text.js";

/** The beliefs of a step: the last entry whose facts the step had already seen. */
export function beliefsAt(record, step) {
  let found = null;
  for (const entry of record.beliefs || []) {
    if (entry.proposals <= step.seen.proposals && entry.results <= step.seen.results) found = entry;
  }
  return found;
}

/** Draw every seat's chance in seat order, or hide the card for a record without them. */
export function drawBeliefs(record, step, nameOf) {
  const entry = beliefsAt(record, step);
  $("#replay-beliefs-card").hidden = !entry;
  if (!entry) return;
  put(
    $("#replay-beliefs"),
    record.players.map((id) => {
      const percent = Math.round((entry.evil[String(id)] ?? 0) * 100);
      const said = t("replay.beliefSeat", { name: nameOf(id), percent });
      return el(
        "li",
        { class: "belief" },
        el("span", { class: "belief-name", text: nameOf(id) }),
        el("meter", { min: 0, max: 100, value: percent, "aria-label": said }),
        el("span", { class: "belief-percent", "aria-hidden": "true", text: t("replay.beliefPercent", { percent }) }),
      );
    }),
  );
}
