// The host's moderation: Remove asks first in the page (naming what a removal does and
// offering to lock the room), the list of removed names with "Let back in", and who
// reads the spectators' chat during a game.
import { $, el, put } from "./dom.js";
import { sendAction } from "./socket.js";
import { amHost, app, nameOf } from "./state.js";
import { t } from "./text.js";

/** Ask the host to confirm removing member `id` (a dialog in the page, not window.confirm). */
export function confirmKick(id) {
  const name = nameOf(id);
  const locked = !!(app.room && app.room.locked);
  const dialog = $("#kick-dialog");
  const lock = el("input", { type: "checkbox", id: "kick-lock" });
  const close = () => {
    dialog.close();
    put(dialog);
  };
  put(dialog,
    el(
      "form",
      {
        method: "dialog",
        onsubmit: (event) => {
          event.preventDefault();
          sendAction("kick", { player_id: id }, t("what.kick", { name }));
          if (lock.checked) sendAction("lock_room", { locked: true }, t("what.lock"));
          close();
        },
      },
      el("h2", { id: "kick-title", text: t("kick.title", { name }) }),
      el("p", { id: "kick-text", text: t("kick.consequence", { name }) }),
      locked
        ? null
        : el("div", { class: "check" }, lock, " ", el("label", { for: "kick-lock", text: t("kick.lockToo") })),
      el(
        "div",
        { class: "buttons" },
        el("button", { type: "submit", id: "kick-confirm", class: "danger", text: t("kick.confirm", { name }) }),
        el("button", { type: "button", id: "kick-cancel", onclick: close, text: t("kick.cancel") }),
      ),
    ),
  );
  dialog.setAttribute("aria-labelledby", "kick-title");
  dialog.setAttribute("aria-describedby", "kick-text");
  dialog.showModal();
  $("#kick-cancel").focus(); // the safe choice first
}

/** The host's list of removed names with "Let back in" (null for others, or none). */
export function removedList() {
  const removed = (app.room && app.room.removed) || [];
  if (!amHost() || !removed.length) return null;
  return el(
    "div",
    { id: "removed", class: "removed" },
    el("h3", { text: t("removed.title") }),
    el("p", { class: "hint", text: t("removed.hint") }),
    el(
      "ul",
      { class: "players" },
      removed.map((r) =>
        el(
          "li",
          { class: "player", dataset: { removed: r.display_name } },
          el("span", { class: "name", text: r.display_name }),
          el("button", {
            type: "button",
            class: "small unban",
            disabled: app.ui.busy,
            "aria-label": t("removed.unbanLabel", { name: r.display_name }),
            onclick: () =>
              sendAction("unban", { display_name: r.display_name }, t("what.unban", { name: r.display_name })),
            text: t("removed.unban"),
          }),
        ),
      ),
    ),
  );
}

/** The host's switch of who reads the spectators' chat during a game (null for others). */
export function spectatorChatToggle() {
  if (!amHost() || !app.room) return null;
  const all = app.room.spectator_chat === "all";
  return el("button", {
    type: "button",
    id: "spectator-chat",
    "aria-pressed": String(all),
    disabled: app.ui.busy,
    onclick: () =>
      sendAction("spectator_chat", { to: all ? "spectators" : "all" }, t("what.spectatorChat")),
    text: t(all ? "spectatorChat.all" : "spectatorChat.spectators"),
  });
}
