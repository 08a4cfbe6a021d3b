// The forms that get a seat: create a room, join one by code, join from a shared link.
import { api, apiErrorText } from "./api.js";
import { $ } from "./dom.js";
import { hideNotice } from "./notice.js";
import { navigate } from "./router.js";
import { normaliseCode, rules } from "./rules.js";
import { app, deviceId, markKicked, saveName, saveSeat, wasKicked } from "./state.js";
import { t } from "./text.js";

// The trimmed name typed into `input`, or null (with the error shown) if it is not valid.
function readName(input, errorNode) {
  const name = input.value.trim();
  if (name.length < 1 || name.length > rules.limits.display_name_max) {
    errorNode.textContent = apiErrorText("invalid_display_name");
    input.focus();
    return null;
  }
  return name;
}

function seatFrom(answer) {
  return {
    code: answer.code,
    player_id: answer.player_id,
    token: answer.token,
    display_name: answer.display_name,
    spectator: !!answer.spectator,
  };
}

// Run a form's request with its button disabled; a failure is shown under the form.
async function submitWith(form, errorNode, work) {
  const button = form.querySelector("button[type=submit]");
  errorNode.textContent = "";
  button.disabled = true;
  try {
    await work();
  } catch (err) {
    errorNode.textContent = err.message;
  } finally {
    button.disabled = false;
  }
}

// Keep the seat the server gave, and go to its room.
function seated(answer, name) {
  saveName(name);
  saveSeat(seatFrom(answer));
  hideNotice();
  navigate("/r/" + answer.code);
}

async function joinRoom(code, name, spectator) {
  if (wasKicked(code)) throw new Error(t("apiError.kicked"));
  const body = { display_name: name, device: deviceId() };
  if (spectator) body.spectator = true;
  let answer;
  try {
    answer = await api("POST", "/api/rooms/" + encodeURIComponent(code) + "/join", body);
  } catch (err) {
    if (err.code === "kicked") markKicked(code);
    throw err;
  }
  seated(answer, name);
}

/** Create a room (the create form's submit handler). */
export function onCreate(event) {
  event.preventDefault();
  const errorNode = $("#create-error");
  const name = readName($("#create-name"), errorNode);
  if (!name) return;
  submitWith(event.target, errorNode, async () => {
    const answer = await api("POST", "/api/rooms", { display_name: name, device: deviceId() });
    seated(answer, name);
  });
}

/** Join a room by its code (the home page's join form). */
export function onJoinByCode(event) {
  event.preventDefault();
  const errorNode = $("#join-code-error");
  const code = normaliseCode($("#join-code").value);
  if (!code) {
    errorNode.textContent = t("form.badCode", { length: rules.limits.code_length });
    $("#join-code").focus();
    return;
  }
  const name = readName($("#join-code-name"), errorNode);
  if (!name) return;
  const watch = $("#join-code-spectator").checked;
  submitWith(event.target, errorNode, () => joinRoom(code, name, watch));
}

/** Join the room of the link opened (the join view's form). */
export function onJoinFromLink(event) {
  event.preventDefault();
  const errorNode = $("#join-error");
  const name = readName($("#join-name"), errorNode);
  if (!name || !app.code) return;
  const code = app.code;
  const watch = $("#join-spectator").checked;
  submitWith(event.target, errorNode, () => joinRoom(code, name, watch));
}
