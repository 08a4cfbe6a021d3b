// The HTTP API: JSON in and out, errors as Error objects with a code and a sentence in
// the page's language.
import { rules } from "./rules.js";
import { has, t } from "./text.js";

/** Call the HTTP API; resolves to the JSON answer, rejects with {code, status, message}. */
export async function api(method, path, body) {
  // The header says the request is this page's own: the account routes refuse others.
  const options = { method, headers: { Accept: "application/json", "X-Requested-With": "avalon" } };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch (err) {
    throw apiError("network", t("apiError.network"));
  }
  let data = null;
  try {
    data = await response.json();
  } catch (err) {
    data = null;
  }
  if (!response.ok) {
    // The server's own sentence is English: the client says it by the code, in the page's
    // language, and names the code where it has no sentence for it.
    const code = (data && data.error && data.error.code) || "http_" + response.status;
    const text = apiErrorText(code) || t("apiError.other", { status: response.status, code });
    throw apiError(code, text, response.status);
  }
  return data;
}

/** An Error carrying an API error code and the HTTP status (0 when there was none). */
export function apiError(code, message, status) {
  const err = new Error(message);
  err.code = code;
  err.status = status || 0;
  return err;
}

/** This client's sentence for an API error code, or null when it has none. */
export function apiErrorText(code) {
  const key = "apiError." + code;
  if (!has(key)) return null;
  const limits = rules ? { nameMax: rules.limits.display_name_max, maxPlayers: rules.max_players } : {};
  return t(key, limits);
}

/** Fetch the rule tables, limits and close codes. */
export function fetchRules() {
  return api("GET", "/api/rules");
}

/** Read a room: its players, spectators and status. */
export function fetchRoom(code) {
  return api("GET", "/api/rooms/" + encodeURIComponent(code));
}
