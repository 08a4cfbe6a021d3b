// The optional account (PROTOCOL section 12): the home page's panel (create in one step,
// sign in, add a passkey, claim this browser's past seats, export, delete, sign out) and
// the host's "make this table a group". Guests never see a request of it: the page asks
// for the account only once this browser has signed in.
import { api } from "./api.js";
import { $, el, put } from "./dom.js";
import { createPasskey, passkeyProblem, usePasskey } from "./passkey.js";
import { app, deviceId, storageGet, storageSet, storedSeats } from "./state.js";
import { plural, t } from "./text.js";

const SIGNED_IN_KEY = "avalon.account"; // "1": this browser signed in, ask who it is
const CLAIMED_KEY = "avalon.claimed"; // "1": this browser's past seats were claimed

/** The signed-in account as the server describes it, or null. */
export const account = { me: null };

function say(text, isError) {
  $("#account-error").textContent = isError ? text : "";
  $("#account-status").textContent = isError ? "" : text;
}

function failed(err) {
  // A passkey prompt the person closed, or a browser that refused: no server code.
  if (err && err.code === "name_taken") say(t("account.nameTaken"), true);
  else say(err && err.code ? err.message : t("account.passkeyFailed"), true);
}

/** Ask the server who is signed in (only once this browser has signed in). */
export async function loadAccount() {
  if (storageGet(SIGNED_IN_KEY) === "1") {
    try {
      account.me = await api("GET", "/api/accounts/me");
    } catch (err) {
      account.me = null;
      if (err.status === 401) storageSet(SIGNED_IN_KEY, null);
    }
  }
  renderAccount();
}

function signedIn() {
  storageSet(SIGNED_IN_KEY, "1");
  return loadAccount();
}

/** Draw the account panel from what is known. */
export function renderAccount() {
  const me = account.me;
  const problem = passkeyProblem();
  const note = $("#account-note");
  note.hidden = !problem;
  note.textContent = problem === "ip" ? t("account.ipNote", { host: location.hostname, example: "localhost" }) : t("account.unsupported");
  $("#account-out").hidden = !!me;
  $("#account-in").hidden = !me;
  for (const button of document.querySelectorAll("#account-panel .needs-passkey")) button.disabled = !!problem;
  if (!me) return;
  $("#account-name").textContent = t("account.signedIn", { name: me.name });
  $("#account-profile").href = "/players/" + me.account_id;
  $("#account-public").checked = me.public;
  const overall = me.ratings.overall;
  put(
    $("#account-facts"),
    el("li", { text: plural("account.passkeys", me.passkeys.length) }),
    el("li", { text: t("account.games", { games: me.stats.games, wins: me.stats.wins }) }),
    el("li", { text: t("account.rating", { rating: overall.ordinal.toFixed(1), games: overall.games }) }),
  );
  const seats = storedSeats().length;
  $("#account-claim").hidden = seats === 0 || storageGet(CLAIMED_KEY) === "1";
  $("#account-claim").textContent = plural("account.claim", seats);
  $("#account-delete-confirm").hidden = true;
}

async function onCreate(event) {
  event.preventDefault();
  const name = $("#account-create-name").value.trim();
  say("", false);
  try {
    const options = await api("POST", "/api/accounts/register/options", { name });
    const credential = await createPasskey(options);
    await api("POST", "/api/accounts/register", credential);
    await signedIn();
    say(t("account.created"), false);
  } catch (err) {
    failed(err);
  }
}

async function onSignIn() {
  say("", false);
  try {
    const options = await api("POST", "/api/accounts/login/options", {});
    const credential = await usePasskey(options);
    await api("POST", "/api/accounts/login", credential);
    await signedIn();
    say(t("account.welcome"), false);
  } catch (err) {
    failed(err);
  }
}

async function onAddPasskey() {
  say("", false);
  try {
    const options = await api("POST", "/api/accounts/me/passkeys/options", {});
    await api("POST", "/api/accounts/me/passkeys", await createPasskey(options));
    await loadAccount();
    say(t("account.passkeyAdded"), false);
  } catch (err) {
    failed(err);
  }
}

async function onClaim() {
  try {
    const answer = await api("POST", "/api/accounts/me/claim", { device: deviceId() });
    storageSet(CLAIMED_KEY, "1");
    await loadAccount();
    say(plural("account.claimed", answer.claimed), false);
  } catch (err) {
    if (err.code === "device_claimed") storageSet(CLAIMED_KEY, "1");
    failed(err);
  }
}

async function signOut(method, path) {
  try {
    await api(method, path);
    storageSet(SIGNED_IN_KEY, null);
    account.me = null;
    renderAccount();
    say(t(method === "DELETE" ? "account.deleted" : "account.signedOut"), false);
  } catch (err) {
    failed(err);
  }
}

async function onPublic(event) {
  try {
    account.me = await api("PATCH", "/api/accounts/me", { public: event.target.checked });
    renderAccount();
  } catch (err) {
    failed(err);
  }
}

/** The host's "make this table a group", under the lobby's players (signed in only). */
export function renderGroupBox() {
  const box = $("#group-box");
  const me = app.room && app.seat && app.room.players.find((p) => p.player_id === app.seat.player_id);
  box.hidden = !(account.me && me && me.is_host);
}

async function onMakeGroup(event) {
  event.preventDefault();
  const result = $("#group-result");
  try {
    const body = { name: $("#group-name").value.trim() };
    const group = await api("POST", "/api/rooms/" + encodeURIComponent(app.code) + "/group", body);
    put(result, el("a", { href: "/groups/" + group.group_id, text: t("group.made", { name: group.name }) }));
  } catch (err) {
    put(result, err.message);
  }
}

/** Wire the panel's controls. */
export function wireAccount() {
  $("#account-create-form").addEventListener("submit", onCreate);
  $("#account-sign-in").addEventListener("click", onSignIn);
  $("#account-add-passkey").addEventListener("click", onAddPasskey);
  $("#account-claim").addEventListener("click", onClaim);
  $("#account-public").addEventListener("change", onPublic);
  $("#account-sign-out").addEventListener("click", () => signOut("POST", "/api/accounts/logout"));
  $("#account-delete").addEventListener("click", () => {
    $("#account-delete-confirm").hidden = false;
  });
  $("#account-delete-confirm").addEventListener("click", () => signOut("DELETE", "/api/accounts/me"));
  $("#group-box").addEventListener("submit", onMakeGroup);
}
