// The turn timer: the server's clock as this page estimates it, the countdown of the
// game view's `timer`, and the host's pause button.
import { $, clockText } from "./dom.js";
import { sendAction } from "./socket.js";
import { amHost, app, myId, namesOf, setClockOffset } from "./state.js";
import { t } from "./text.js";

const TICK_MS = 250; // the countdown is redrawn this often while a deadline runs
const URGENT_SECONDS = 10; // the countdown turns urgent below this many seconds
const PINGS_KEPT = 8; // pings whose answer may still come

let offset = 0; // server clock minus this page's clock, in seconds
let bestRoundTrip = Infinity; // the shortest ping round trip seen: its offset is the best
let ticker = null;
const pings = new Map(); // correlation id -> when the ping left (ms, this page's clock)

/** Take the server's time of a snapshot (`server_time`, epoch seconds). */
export function setServerTime(serverTime) {
  if (typeof serverTime !== "number" || !Number.isFinite(serverTime)) return;
  // A snapshot's time is late by up to its trip here: a ping's estimate replaces it.
  if (bestRoundTrip === Infinity) offset = serverTime - Date.now() / 1000;
  setClockOffset(offset);
}

/** Note that a ping left with this correlation id. */
export function pingSent(correlationId) {
  pings.set(correlationId, Date.now());
  if (pings.size > PINGS_KEPT) pings.delete(pings.keys().next().value);
}

/** A pong arrived: estimate the offset from the middle of the round trip. */
export function pongReceived(correlationId, serverTime) {
  const sent = pings.get(correlationId);
  pings.delete(correlationId);
  if (sent === undefined || typeof serverTime !== "number" || !Number.isFinite(serverTime)) return;
  const now = Date.now();
  const trip = now - sent;
  if (trip > bestRoundTrip * 2 && bestRoundTrip !== Infinity) return; // a slow trip says little
  bestRoundTrip = Math.min(bestRoundTrip, trip);
  offset = serverTime - (sent + now) / 2000;
  setClockOffset(offset);
}

/** The server's time now, in epoch seconds, as this page estimates it. */
export function serverNow() {
  return Date.now() / 1000 + offset;
}

/** Seconds left of a view's turn timer (0 once it ran out), or null without a timer. */
export function secondsLeft(timer) {
  if (!timer) return null;
  if (timer.paused) return Number.isFinite(timer.remaining) ? Math.max(0, timer.remaining) : null;
  if (!Number.isFinite(timer.deadline)) return null;
  return Math.max(0, timer.deadline - serverNow());
}

/** "1:05" for 65 seconds (rounded up: 0:00 only once the time is up). */
export function clockOf(seconds) {
  const whole = Math.max(0, Math.ceil(seconds));
  const minutes = Math.floor(whole / 60);
  const rest = String(whole % 60).padStart(2, "0");
  return t("timer.clock", { minutes, seconds: rest });
}

function drawCountdown() {
  const g = app.game;
  const timer = g && g.phase !== "game_over" ? g.timer : null;
  const box = $("#timer");
  const left = secondsLeft(timer);
  if (left === null) {
    box.hidden = true;
    stopTicking();
    return;
  }
  box.hidden = false;
  const clock = clockOf(left);
  const text = timer.paused
    ? t("timer.paused", { clock })
    : left > 0
      ? t("timer.left", { clock })
      : t("timer.up");
  const node = $("#timer-text");
  if (node.textContent !== text) node.textContent = text;
  box.dataset.paused = String(!!timer.paused);
  box.dataset.urgent = String(!timer.paused && left <= URGENT_SECONDS);
  const share = Number.isFinite(timer.seconds) && timer.seconds > 0 ? left / timer.seconds : 0;
  $("#timer-fill").style.setProperty("--left", String(Math.min(1, Math.max(0, share))));
  if (timer.paused || left <= 0) stopTicking();
  else startTicking();
}

function startTicking() {
  if (!ticker) ticker = setInterval(drawCountdown, TICK_MS);
}

function stopTicking() {
  clearInterval(ticker);
  ticker = null;
}

/** Draw the countdown of game view g, the host's pause button, and while paused who asked
 * to resume, a seated player's "Vote to resume" and when the pause ends by itself. */
export function renderTimer(g) {
  drawCountdown();
  const button = $("#pause-timer");
  const info = $("#pause-info");
  const timer = g.phase !== "game_over" ? g.timer : null;
  const me = myId();
  const seated = !!g.you && g.players.includes(me);
  const votes = (timer && timer.unpause_votes) || [];
  info.hidden = !(timer && timer.paused);
  if (timer && timer.paused) {
    const parts = [votes.length ? t("pause.asked", { names: namesOf(votes) }) : t("pause.nobody")];
    if (Number.isFinite(timer.resumes_at)) {
      parts.push(t("pause.resumesAt", { clock: clockText(new Date((timer.resumes_at - offset) * 1000)) }));
    }
    info.textContent = parts.join(" ");
  }
  if (!timer || !(amHost() || (seated && timer.paused))) {
    button.hidden = true;
    return;
  }
  button.hidden = false;
  if (amHost()) button.textContent = t(timer.paused ? "timer.resume" : "timer.pause");
  else button.textContent = t(votes.includes(me) ? "pause.voted" : "pause.vote");
  button.disabled = app.ui.busy || (!amHost() && votes.includes(me));
}

/** The pause button (its click handler): the host pauses or resumes; a seated player asks
 * to resume (a majority of the connected ends the pause). */
export function onPauseClick() {
  const timer = app.game && app.game.timer;
  if (!timer) return;
  if (!amHost()) {
    sendAction("pause_timer", { paused: false }, t("what.voteResume"));
    return;
  }
  const paused = !timer.paused;
  sendAction("pause_timer", { paused }, t(paused ? "what.pauseTimer" : "what.resumeTimer"));
}
