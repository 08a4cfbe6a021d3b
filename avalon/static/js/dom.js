// DOM helpers. Strings always become text nodes or textContent, so user text can never
// become markup.
import { language } from "./text.js";

// The page's views; exactly one is shown.
const VIEWS = ["home", "join", "room", "replay", "profile", "group", "leaderboard"];

/** The first element matching a CSS selector. */
export const $ = (selector) => document.querySelector(selector);

function setData(node, values) {
  for (const [name, value] of Object.entries(values)) {
    if (value !== null && value !== undefined) node.dataset[name] = value;
  }
}

/** Build an element from attributes (class, text, dataset, on<event>, others; null and
 * undefined values left out) and children. */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "dataset") setData(node, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Replace a node's children; nested lists are flattened and null, undefined and false
 * dropped (replaceChildren() itself would show them as the text "null"). */
export function put(node, ...children) {
  const nodes = children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false);
  node.replaceChildren(...nodes.map((c) => (c instanceof Node ? c : document.createTextNode(String(c)))));
}

/** Run a re-render, then put the keyboard focus back on the control that had it. */
export function keepFocus(render) {
  const active = document.activeElement;
  const id = active && active.id;
  render();
  if (id && document.activeElement !== active) {
    const again = document.getElementById(id);
    if (again && !again.disabled) again.focus();
  }
}

/** Show one of the views ("home", "join", "room", "replay") and hide the others. */
export function showView(name) {
  for (const view of VIEWS) {
    $("#" + view + "-view").hidden = view !== name;
  }
  $("#room-badge").hidden = name !== "room";
  document.body.dataset.view = name;
}

/** The time of day as hours and minutes, as the page's language writes them. */
export function clockText(date) {
  return date.toLocaleTimeString(language(), { hour: "2-digit", minute: "2-digit" });
}

// A press held longer than this (its release went to another window) stops holding then.
const MAX_PRESS_MS = 3000;
const pressWatches = new WeakMap(); // panel -> held(), made at its first draw

/** Tell whether a redraw of `panel` must wait for a press under way; `redraw` runs then.
 *
 * The browser clicks a button only when the pointer (or Space) goes down and up on the
 * same element. A panel redrawn in between, because another player's vote arrived,
 * replaces the pressed button and the press is lost. A redraw asked for meanwhile is
 * skipped and remembered; `redraw` runs once the press ended, after its click. */
export function redrawWaitsForPress(panel, redraw) {
  let held = pressWatches.get(panel);
  if (!held) {
    held = watchPresses(panel, redraw);
    pressWatches.set(panel, held);
  }
  return held();
}

/** Follow presses on `panel`; returns `held()`, which says whether one is under way. */
function watchPresses(panel, redraw) {
  let pressed = false;
  let asked = false;
  let timer = 0;
  const release = () => {
    if (!pressed) return;
    pressed = false;
    clearTimeout(timer);
    if (asked) {
      asked = false;
      setTimeout(() => keepFocus(redraw), 0); // the press's click is dispatched first
    }
  };
  const press = () => {
    pressed = true;
    clearTimeout(timer);
    timer = setTimeout(release, MAX_PRESS_MS);
  };
  panel.addEventListener("pointerdown", press);
  panel.addEventListener("keydown", (event) => {
    if (event.key === " " && event.target.closest("button")) press(); // Space clicks on its keyup
  });
  for (const type of ["pointerup", "pointercancel", "keyup", "blur"]) window.addEventListener(type, release);
  return () => {
    if (pressed) asked = true;
    return pressed;
  };
}
