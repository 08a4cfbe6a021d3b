// Your-turn alerts: when a game view starts waiting for this page's player, a short sound
// made in the page (Web Audio, nothing downloaded), a desktop notification while the tab
// is hidden, a vibration, and the tab's title; each one switchable in the settings.
import { pref } from "./prefs.js";
import { isAssassin } from "./rules.js";
import { app, awaited, myId } from "./state.js";
import { t } from "./text.js";

const BEEP_NOTES = [660, 880]; // Hz: two short rising notes
const BEEP_NOTE_S = 0.13; // seconds per note
const BEEP_GAIN = 0.12; // loud enough to hear, not to startle
const VIBRATION = [120, 80, 120]; // ms: buzz, pause, buzz
const NOTIFICATION_TAG = "avalon-turn"; // one notification at a time: a new one replaces it

let audio = null; // the page's AudioContext, made on the first click or key press
let alertedFor = null; // the turn the last alert was for

/** Make (or wake) the page's audio on a user gesture, which browsers require for sound. */
export function unlockAudio() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  try {
    if (!audio) audio = new Context();
    if (audio.state === "suspended") audio.resume().catch(() => {});
  } catch (err) {
    audio = null; // no sound on this browser
  }
}

/** Play the two-note beep. */
export function beep() {
  unlockAudio();
  if (!audio) return;
  const start = audio.currentTime + 0.02;
  BEEP_NOTES.forEach((frequency, index) => {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    const at = start + index * BEEP_NOTE_S;
    osc.type = "sine";
    osc.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(BEEP_GAIN, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + BEEP_NOTE_S);
    osc.connect(gain).connect(audio.destination);
    osc.start(at);
    osc.stop(at + BEEP_NOTE_S);
  });
}

function notify(body) {
  if (typeof window.Notification !== "function" || Notification.permission !== "granted") return;
  try {
    const note = new Notification(t("alert.title", { code: app.code }), { body, tag: NOTIFICATION_TAG });
    note.onclick = () => {
      window.focus();
      note.close();
    };
  } catch (err) {
    // Some browsers only notify from a service worker: the other alerts still happen.
  }
}

let tapped = false; // this page was touched (a tap, a click, a key): it may vibrate
let vibrateOwed = false; // a buzz due before the first touch (after a reload)

function vibrate() {
  if (typeof navigator.vibrate !== "function") return;
  // Browsers let a page vibrate only once the person has touched it: until then it is owed.
  vibrateOwed = !tapped;
  if (tapped) navigator.vibrate(VIBRATION);
}

/** A touch of the page (its first one after a reload re-arms vibration): pay the buzz
 * owed, if the game still waits for this player. */
export function rearmVibration() {
  tapped = true;
  if (!vibrateOwed) return;
  vibrateOwed = false;
  if (pref("vibrate") && myTurn(app.game) && typeof navigator.vibrate === "function") navigator.vibrate(VIBRATION);
}

// What the page is waited for, as a key: an alert once per turn, not once per view.
function turnKey(g) {
  // Each plot step is a turn of its own, also when the same player owes the next one.
  const step = g.phase === "plot" && g.plot && g.plot.queue.length ? g.plot.queue[0] : null;
  const plot = step ? step.step + step.card_id : "";
  return [g.game_id, g.phase, g.quest, g.proposal, g.lady ? g.lady.holder : "", plot].join(":");
}

/** Whether game view g waits for this page's player. */
export function myTurn(g) {
  if (!g || !g.you || g.phase === "game_over") return false;
  if (g.phase === "assassination") return isAssassin(g.you.role);
  return awaited(g).includes(myId());
}

/** Alert once when a view starts waiting for this page's player; `text` says for what. */
export function alertTurn(g, text) {
  if (!myTurn(g)) {
    alertedFor = null;
    return;
  }
  const key = turnKey(g);
  if (alertedFor === key) return;
  alertedFor = key;
  fireAlerts(text);
}

/** Run every alert the player switched on; `always` notifies also in a visible tab. */
export function fireAlerts(text, always) {
  if (pref("sound")) beep();
  if (pref("vibrate")) vibrate();
  if (pref("notify") && (always || document.visibilityState === "hidden")) notify(text);
}

/** The tab's title: "Your turn — …" first when the game waits for this page's player. */
export function titleFor(base, g) {
  return pref("title") && myTurn(g) ? t("title.yourTurn", { title: base }) : base;
}
