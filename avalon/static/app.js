// Avalon browser client: plain JavaScript, no build step, no dependencies.
// It renders from the latest room snapshot and game view the server sends; events only
// add lines to the log. User text always goes through textContent, never innerHTML.
"use strict";

(function () {
  // ---- constants ---------------------------------------------------------------------

  const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"; // no 0/O, 1/I/L
  const CODE_LENGTH = 5;
  const NAME_MAX = 24;
  const SEAT_PREFIX = "avalon.seat."; // localStorage key per room: {code, player_id, token, display_name}
  const NAME_KEY = "avalon.name"; // the last display name used, to fill the forms
  const BACKOFF_BASE_MS = 500; // first reconnect delay (before jitter)
  const BACKOFF_MAX_MS = 10000; // reconnect delays never grow past this
  const RESTART_WAIT_MS = 1500; // after a 1001 (server restarting) wait 1.5 to 3 s first
  const HEARTBEAT_MS = 20000; // application-level ping while connected
  const DEAD_AFTER_MS = 50000; // no frame at all for this long: the socket is dead, reconnect
  const TOAST_MS = 6000;
  const BUSY_TIMEOUT_MS = 8000; // a move unanswered this long no longer blocks its buttons
  const CHAT_KEEP = 500; // chat messages kept on screen
  const LOG_KEEP = 200; // log lines kept on screen

  const MIN_PLAYERS = 5;
  const MAX_PLAYERS = 10;
  const EVIL_COUNT = { 5: 2, 6: 2, 7: 3, 8: 3, 9: 3, 10: 4 };
  const TEAM_SIZES = {
    5: [2, 3, 2, 3, 3],
    6: [2, 3, 4, 3, 4],
    7: [2, 3, 3, 4, 4],
    8: [3, 4, 4, 5, 5],
    9: [3, 4, 4, 5, 5],
    10: [3, 4, 4, 5, 5],
  };
  const LADY_DEFAULT_MIN = 7; // the Lady of the Lake is on by default from 7 players
  const MAX_PROPOSALS = 5;
  const OPTIONAL_ROLES = ["percival", "morgana", "mordred", "oberon"];
  const ROLE_ORDER = [
    "merlin", "percival", "loyal_servant", "assassin", "morgana", "mordred", "oberon", "minion",
  ];
  const EVIL_ROLES = new Set(["assassin", "morgana", "mordred", "oberon", "minion"]);
  const ROLE_LABEL = {
    merlin: "Merlin",
    percival: "Percival",
    loyal_servant: "Loyal Servant",
    assassin: "Assassin",
    morgana: "Morgana",
    mordred: "Mordred",
    oberon: "Oberon",
    minion: "Minion of Mordred",
  };
  const ROLE_YOU = {
    merlin: "You are Merlin",
    percival: "You are Percival",
    loyal_servant: "You are a Loyal Servant of Arthur",
    assassin: "You are the Assassin",
    morgana: "You are Morgana",
    mordred: "You are Mordred",
    oberon: "You are Oberon",
    minion: "You are a Minion of Mordred",
  };
  const REASON_TEXT = {
    three_quests: "Good completed three quests.",
    three_fails: "Three quests failed.",
    five_rejections: "Five teams in a row were rejected.",
    merlin_assassinated: "The Assassin found Merlin.",
    merlin_survived: "The Assassin did not find Merlin.",
  };
  const CLOSE_TEXT = {
    1000: "The connection was closed — reconnecting…",
    1001: "The server is restarting — reconnecting…",
    1006: "The connection was lost — reconnecting…",
    1008: "The server closed the connection after too many errors — reconnecting…",
    1009: "A message was too large for the server — reconnecting…",
    1011: "The server ran into an error — reconnecting…",
    4400: "The connection request was malformed. Please join again.",
    4401: "Your seat is no longer valid (expired or removed).",
    4403: "This seat is not allowed to connect to this room from here.",
    4404: "This room does not exist.",
    4408: "The connection went quiet for too long — reconnecting…",
    4409: "You opened this room in another tab.",
    4429: "The connection fell too far behind — reconnecting…",
  };
  const API_ERROR_TEXT = {
    invalid_display_name: "Names are 1 to 24 characters, without control characters.",
    name_taken: "That name is taken in this room: pick another.",
    room_full: "This room is full (10 players).",
    game_in_progress: "A game is in progress in this room: you can join as a spectator and watch.",
    room_not_found: "This room does not exist.",
    rate_limited: "Too many requests from your network: wait a few seconds and try again.",
  };
  const SOCKET_ERROR_TEXT = {
    rate_limited: "You are sending messages too fast: wait a moment.",
  };
  // Error envelopes that precede a close: the close code explains them better.
  const CLOSING_ERRORS = new Set(["unauthorized", "forbidden", "room_not_found", "bad_request"]);

  // ---- state -------------------------------------------------------------------------

  const app = {
    code: null, // the room shown, canonical
    seat: null, // {code, player_id, token, display_name}
    you: null, // the snapshot's `you`
    room: null, // {code, status, players: [{player_id, display_name, is_host, online}]}
    game: null, // the latest game view
    chatIds: new Set(),
    lastChatId: null,
    chatSynced: false, // a snapshot arrived: later connects ask for since=lastChatId
    ws: null,
    connState: "idle",
    everOnline: false,
    attempt: 0,
    retryTimer: null,
    heartbeatTimer: null,
    lastFrameAt: 0,
    pending: new Map(), // correlation_id -> {what, kind, text}
    nextId: 1,
    notice: null, // kind of the notice shown
    ui: {
      busy: false, // a move was sent and its answer has not arrived yet
      teamKey: null,
      team: new Set(),
      targetKey: null,
      target: null,
      ladyTouched: false,
      record: null,
      recordFor: null,
    },
  };

  // ---- small helpers -----------------------------------------------------------------

  const $ = (selector) => document.querySelector(selector);

  // Build an element; strings become text nodes, so user text can never become markup.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function listText(items) {
    if (items.length === 0) return "nobody";
    if (items.length === 1) return items[0];
    return items.slice(0, -1).join(", ") + " and " + items[items.length - 1];
  }

  function plural(count, one, many) {
    return count === 1 ? one : many;
  }

  function normaliseCode(text) {
    const code = String(text || "").trim().toUpperCase();
    if (code.length !== CODE_LENGTH) return null;
    for (const char of code) if (!CODE_ALPHABET.includes(char)) return null;
    return code;
  }

  function newId(prefix) {
    app.nextId += 1;
    return prefix + app.nextId;
  }

  function roomUrl(code) {
    return location.origin + "/r/" + code;
  }

  // ---- storage (a seat per room) -----------------------------------------------------

  function storageGet(key) {
    try {
      return localStorage.getItem(key);
    } catch (err) {
      return null; // storage disabled: the seat lives as long as the page
    }
  }

  function storageSet(key, value) {
    try {
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, value);
    } catch (err) {
      // Private mode or full storage: nothing to do but go on without it.
    }
  }

  function loadSeat(code) {
    try {
      const seat = JSON.parse(storageGet(SEAT_PREFIX + code) || "null");
      if (seat && Number.isInteger(seat.player_id) && typeof seat.token === "string") return seat;
    } catch (err) {
      // A corrupt entry is as good as none.
    }
    return null;
  }

  function saveSeat(seat) {
    storageSet(SEAT_PREFIX + seat.code, JSON.stringify(seat));
  }

  function forgetSeat() {
    if (app.code) storageSet(SEAT_PREFIX + app.code, null);
    app.seat = null;
  }

  function storedSeats() {
    const seats = [];
    try {
      for (let i = 0; i < localStorage.length; i += 1) {
        const key = localStorage.key(i);
        if (key && key.startsWith(SEAT_PREFIX)) {
          const seat = loadSeat(key.slice(SEAT_PREFIX.length));
          if (seat) seats.push(seat);
        }
      }
    } catch (err) {
      return [];
    }
    return seats;
  }

  // ---- HTTP API ----------------------------------------------------------------------

  async function api(method, path, body) {
    const options = { method, headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, options);
    } catch (err) {
      throw apiError("network", "Cannot reach the server. Check your connection and try again.");
    }
    let data = null;
    try {
      data = await response.json();
    } catch (err) {
      data = null;
    }
    if (!response.ok) {
      const code = (data && data.error && data.error.code) || "http_" + response.status;
      const message = (data && data.error && data.error.message) || "The server answered " + response.status + ".";
      throw apiError(code, API_ERROR_TEXT[code] || message, response.status);
    }
    return data;
  }

  function apiError(code, message, status) {
    const err = new Error(message);
    err.code = code;
    err.status = status || 0;
    return err;
  }

  // ---- views and routing -------------------------------------------------------------

  function showView(name) {
    for (const view of ["home", "join", "room"]) {
      $("#" + view + "-view").hidden = view !== name;
    }
    $("#room-badge").hidden = name !== "room";
    document.body.dataset.view = name;
  }

  function route() {
    const match = location.pathname.match(/^\/r\/([^/]+)\/?$/);
    if (!match) {
      leaveRoom();
      showHome();
      return;
    }
    const code = normaliseCode(decodeURIComponent(match[1]));
    if (!code) {
      leaveRoom();
      showHome();
      showNotice(CLOSE_TEXT[4404], { kind: "room" });
      return;
    }
    openRoom(code);
  }

  function navigate(path) {
    if (location.pathname !== path) history.pushState(null, "", path);
    route();
  }

  function showHome() {
    showView("home");
    document.title = "Avalon";
    const name = storageGet(NAME_KEY) || "";
    for (const id of ["#create-name", "#join-code-name"]) {
      if (!$(id).value) $(id).value = name;
    }
    const list = $("#my-rooms");
    const seats = storedSeats();
    list.replaceChildren(
      ...seats.map((seat) =>
        el(
          "li",
          {},
          el("a", { href: "/r/" + seat.code, text: "Room " + seat.code }),
          " as " + (seat.display_name || "you"),
        ),
      ),
    );
    $("#my-rooms-section").hidden = seats.length === 0;
  }

  function openRoom(code) {
    if (app.code !== code) {
      leaveRoom();
      resetRoomState(code);
    }
    app.seat = loadSeat(code);
    $("#room-code").textContent = code;
    document.title = "Avalon — room " + code;
    if (app.seat) {
      showView("room");
      renderRoom();
      if (!app.ws) connect();
    } else {
      showJoin(code);
    }
  }

  function resetRoomState(code) {
    app.code = code;
    app.you = null;
    app.room = null;
    app.game = null;
    app.chatIds = new Set();
    app.lastChatId = null;
    app.chatSynced = false;
    app.everOnline = false;
    app.attempt = 0;
    app.pending.clear();
    setBusy(false);
    app.ui.record = null;
    app.ui.recordFor = null;
    app.ui.ladyTouched = false;
    $("#chat-log").replaceChildren();
    $("#log").replaceChildren();
  }

  function leaveRoom() {
    clearTimeout(app.retryTimer);
    app.retryTimer = null;
    dropSocket();
    setConn("idle");
    app.code = null;
    app.seat = null;
  }

  async function showJoin(code, reason) {
    showView("join");
    setConn("idle");
    $("#join-room-code").textContent = code;
    $("#join-error").textContent = "";
    if (reason) showNotice(reason, { kind: "seat" });
    const input = $("#join-name");
    if (!input.value) input.value = storageGet(NAME_KEY) || "";
    input.focus();
    const info = $("#join-room-info");
    info.textContent = "Checking the room…";
    try {
      const room = await api("GET", "/api/rooms/" + encodeURIComponent(code));
      if (app.code !== code) return;
      const names = room.players.map((p) => p.display_name);
      let text = names.length
        ? `${listText(names)} ${plural(names.length, "is", "are")} here (${names.length}/${MAX_PLAYERS}).`
        : "Nobody is here yet.";
      const playing = room.status === "in_game";
      if (playing) text += " A game is in progress: you can join as a spectator and watch.";
      else if (names.length >= MAX_PLAYERS) text += " The table is full: you can join as a spectator.";
      info.textContent = text;
      if (playing || names.length >= MAX_PLAYERS) $("#join-spectator").checked = true;
    } catch (err) {
      if (app.code === code) info.textContent = err.message;
    }
  }

  // ---- creating and joining ----------------------------------------------------------

  function readName(input, errorNode) {
    const name = input.value.trim();
    if (name.length < 1 || name.length > NAME_MAX) {
      errorNode.textContent = API_ERROR_TEXT.invalid_display_name;
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

  function onCreate(event) {
    event.preventDefault();
    const errorNode = $("#create-error");
    const name = readName($("#create-name"), errorNode);
    if (!name) return;
    submitWith(event.target, errorNode, async () => {
      const answer = await api("POST", "/api/rooms", { display_name: name });
      storageSet(NAME_KEY, name);
      saveSeat(seatFrom(answer));
      hideNotice();
      navigate("/r/" + answer.code);
    });
  }

  async function joinRoom(code, name, spectator) {
    const body = { display_name: name };
    if (spectator) body.spectator = true;
    const answer = await api("POST", "/api/rooms/" + encodeURIComponent(code) + "/join", body);
    storageSet(NAME_KEY, name);
    saveSeat(seatFrom(answer));
    hideNotice();
    navigate("/r/" + answer.code);
  }

  function onJoinByCode(event) {
    event.preventDefault();
    const errorNode = $("#join-code-error");
    const code = normaliseCode($("#join-code").value);
    if (!code) {
      errorNode.textContent = "Room codes are 5 letters and digits, like K7QPZ.";
      $("#join-code").focus();
      return;
    }
    const name = readName($("#join-code-name"), errorNode);
    if (!name) return;
    const watch = $("#join-code-spectator").checked;
    submitWith(event.target, errorNode, () => joinRoom(code, name, watch));
  }

  function onJoinFromLink(event) {
    event.preventDefault();
    const errorNode = $("#join-error");
    const name = readName($("#join-name"), errorNode);
    if (!name || !app.code) return;
    const code = app.code;
    const watch = $("#join-spectator").checked;
    submitWith(event.target, errorNode, () => joinRoom(code, name, watch));
  }

  // ---- the connection ----------------------------------------------------------------

  function setConn(state) {
    app.connState = state;
    const node = $("#conn-status");
    node.dataset.state = state;
    node.textContent = {
      idle: "Not connected",
      connecting: "Connecting…",
      online: "Online",
      reconnecting: "Reconnecting…",
      offline: "Disconnected",
    }[state];
    const send = $("#chat-form button");
    if (send) send.disabled = state !== "online";
  }

  function socketUrl() {
    const params = new URLSearchParams();
    params.set("player_id", String(app.seat.player_id));
    params.set("token", app.seat.token);
    // After a first snapshot, ask only for the chat missed since the last message seen.
    if (app.chatSynced) params.set("since", String(app.lastChatId || 0));
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${location.host}/ws/rooms/${encodeURIComponent(app.code)}?${params}`;
  }

  function connect() {
    clearTimeout(app.retryTimer);
    app.retryTimer = null;
    dropSocket();
    if (!app.seat || !app.code) return;
    setConn(app.everOnline || app.attempt > 0 ? "reconnecting" : "connecting");
    let ws;
    try {
      ws = new WebSocket(socketUrl());
    } catch (err) {
      scheduleReconnect();
      return;
    }
    app.ws = ws;
    ws.onopen = () => {
      app.lastFrameAt = Date.now();
    };
    ws.onmessage = (event) => {
      if (app.ws === ws) onFrame(event.data);
    };
    ws.onclose = (event) => {
      if (app.ws === ws) onClose(event);
    };
  }

  // Forget the current socket without reacting to its close.
  function dropSocket() {
    stopHeartbeat();
    const ws = app.ws;
    app.ws = null;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    try {
      ws.close(1000, "bye");
    } catch (err) {
      // Already closed.
    }
  }

  function scheduleReconnect(minimum) {
    clearTimeout(app.retryTimer);
    // Exponential backoff, capped, with jitter so a restarted server is not hit all at once.
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** app.attempt);
    const delay = Math.max(minimum || 0, ceiling / 2 + (Math.random() * ceiling) / 2);
    app.attempt += 1;
    setConn("reconnecting");
    app.retryTimer = setTimeout(connect, delay);
  }

  function reconnectNow() {
    hideNotice();
    app.attempt = 0;
    connect();
  }

  function onClose(event) {
    app.ws = null;
    stopHeartbeat();
    const code = event.code;
    const text = CLOSE_TEXT[code];
    if (code === 4401 || code === 4400) {
      forgetSeat();
      showJoin(app.code, text);
      return;
    }
    if (code === 4404) {
      const gone = app.code;
      forgetSeat();
      leaveRoom();
      history.replaceState(null, "", "/");
      showHome();
      showNotice(text + " (" + gone + ")", { kind: "room" });
      return;
    }
    if (code === 4403 || code === 4409) {
      setConn("offline");
      const label = code === 4409 ? "Use this tab" : "Try again";
      showNotice(text, { kind: "connection", label, action: reconnectNow });
      return;
    }
    if (text && code !== 1006) {
      showNotice(text, { kind: "connection", label: "Reconnect now", action: reconnectNow });
    } else if (app.notice !== "connection") {
      // A plain network failure: keep the server's own reason if one is already shown.
      const lost = app.everOnline ? CLOSE_TEXT[1006] : "Cannot reach the server — retrying…";
      showNotice(lost, { kind: "connection", label: "Reconnect now", action: reconnectNow });
    }
    // A server going down for a restart still accepts sockets for a moment: give it time
    // to go, and spread the reconnects of every player over a few seconds.
    scheduleReconnect(code === 1001 ? RESTART_WAIT_MS + Math.random() * RESTART_WAIT_MS : 0);
  }

  function startHeartbeat() {
    stopHeartbeat();
    app.lastFrameAt = Date.now();
    app.heartbeatTimer = setInterval(() => {
      if (!app.ws || app.ws.readyState !== WebSocket.OPEN) return;
      if (Date.now() - app.lastFrameAt > DEAD_AFTER_MS) {
        dropSocket();
        showNotice("The server stopped answering — reconnecting…", {
          kind: "connection",
          label: "Reconnect now",
          action: reconnectNow,
        });
        scheduleReconnect();
        return;
      }
      sendEnvelope({ type: "system", payload: { action: "ping" } });
    }, HEARTBEAT_MS);
  }

  function stopHeartbeat() {
    clearInterval(app.heartbeatTimer);
    app.heartbeatTimer = null;
  }

  function sendEnvelope(envelope) {
    if (!app.ws || app.ws.readyState !== WebSocket.OPEN || app.connState !== "online") {
      toast("Not connected right now: try again in a moment.", "error");
      return false;
    }
    app.ws.send(JSON.stringify(envelope));
    return true;
  }

  function remember(correlationId, entry) {
    app.pending.set(correlationId, entry);
    if (app.pending.size > 50) app.pending.delete(app.pending.keys().next().value);
  }

  function sendAction(action, fields, what) {
    const correlationId = newId("a");
    const sent = sendEnvelope({
      type: "action",
      correlation_id: correlationId,
      payload: Object.assign({ action }, fields),
    });
    if (sent) {
      remember(correlationId, { what, kind: "action" });
      setBusy(true);
      renderRoom();
    }
  }

  // While a move is on its way its buttons stay disabled (no double clicks); an answer,
  // or failing that a timeout, enables them again.
  let busyTimer = null;
  function setBusy(busy) {
    app.ui.busy = busy;
    clearTimeout(busyTimer);
    if (busy) {
      busyTimer = setTimeout(() => {
        setBusy(false);
        renderRoom();
      }, BUSY_TIMEOUT_MS);
    }
  }

  function sendVote(approve) {
    const correlationId = newId("v");
    if (sendEnvelope({ type: "vote", correlation_id: correlationId, payload: { approve } })) {
      remember(correlationId, { what: "vote", kind: "action" });
      setBusy(true);
      renderRoom();
    }
  }

  // ---- incoming messages -------------------------------------------------------------

  function onFrame(data) {
    app.lastFrameAt = Date.now();
    let message;
    try {
      message = JSON.parse(data);
    } catch (err) {
      return;
    }
    if (!message || typeof message !== "object") return;
    const answered = message.correlation_id && app.pending.get(message.correlation_id);
    if (answered && message.type !== "error") {
      // The server's answer to one of our moves: the next one may be sent.
      app.pending.delete(message.correlation_id);
      if (answered.kind === "action") setBusy(false);
    }
    if (message.type === "state") onState(message);
    else if (message.type === "event") onEvent(message);
    else if (message.type === "error") onError(message);
  }

  function onState(message) {
    if (message.event === "room") {
      onSnapshot(message.payload || {});
    } else if (message.event === "game") {
      setGame(message.payload || null);
      if (app.room) {
        if (!app.game) app.room.status = "lobby";
        else app.room.status = app.game.phase === "game_over" ? "finished" : "in_game";
      }
      setBusy(false);
      renderRoom();
    }
  }

  function onSnapshot(payload) {
    app.you = payload.you || null;
    app.room = payload.room || app.room;
    if (app.you && app.seat && app.seat.display_name !== app.you.display_name) {
      app.seat.display_name = app.you.display_name;
      saveSeat(app.seat);
    }
    mergeChat(payload.chat || []);
    app.chatSynced = true;
    // A snapshot is the truth, whatever version this page saw last.
    const game = payload.game || null;
    if (!game || !app.game || app.game.game_id !== game.game_id) {
      app.ui.record = null;
      app.ui.recordFor = null;
    }
    app.game = game;
    app.attempt = 0;
    app.everOnline = true;
    setBusy(false);
    setConn("online");
    if (app.notice === "connection" || app.notice === "seat") hideNotice();
    startHeartbeat();
    showView("room");
    renderRoom();
  }

  function setGame(view) {
    if (!view) {
      app.game = null;
      return;
    }
    const current = app.game;
    // An older version of the same game never replaces a newer one.
    if (current && current.game_id === view.game_id && view.version < current.version) return;
    if (!current || current.game_id !== view.game_id) {
      app.ui.record = null;
      app.ui.recordFor = null;
    }
    app.game = view;
  }

  function onEvent(message) {
    const p = message.payload || {};
    switch (message.event) {
      case "chat":
        mergeChat([p]);
        return;
      case "pong":
        return;
      case "player_joined":
        upsertPlayer(p, false);
        logLine(`${p.display_name} joined the room${p.spectator ? " to watch" : ""}.`);
        break;
      case "host_changed":
        setHost(p.player_id);
        logLine(`${nameOf(p.player_id)} is now the host.`);
        break;
      case "player_connected":
        // Someone this page has not heard of (a missed join): read the room again.
        if (!findPlayer(p.player_id)) refreshRoom();
        else upsertPlayer(p, true);
        logLine(`${p.display_name} is online.`);
        break;
      case "player_disconnected":
        // A removed player's socket closes after the removal: never bring them back.
        if (findPlayer(p.player_id)) upsertPlayer(p, false);
        logLine(`${p.display_name} went offline.`);
        break;
      case "player_kicked":
      case "player_left":
      case "player_removed":
        logLine(`${nameOf(p.player_id)} left the room.`);
        removePlayer(p.player_id);
        break;
      case "game_started":
        logLine(
          `The game has started. ${nameOf(p.leader)} leads first` +
            (p.lady ? `; ${nameOf(p.lady)} holds the Lady of the Lake.` : "."),
          "game",
        );
        break;
      case "team_proposed":
        logLine(
          `${nameOf(p.leader)} proposed ${namesOf(p.team)} for quest ${p.quest} (proposal ${p.proposal}).`,
          "game",
        );
        break;
      case "vote_cast":
        return; // the next game view says who has voted
      case "vote_result":
        logLine(voteResultText(p), "game");
        break;
      case "quest_result":
        logLine(questResultText(p), "game");
        break;
      case "lady_used":
        logLine(`${nameOf(p.holder)} used the Lady of the Lake on ${nameOf(p.target)}.`, "game");
        break;
      case "lady_result":
        logLine(`The Lady of the Lake shows you that ${nameOf(p.target)} is ${p.alignment}.`, "secret");
        break;
      case "assassination_started":
        logLine("Good has completed three quests. The Assassin must now name Merlin.", "game");
        break;
      case "game_over":
        logLine(`${p.winner === "good" ? "Good" : "Evil"} wins. ${REASON_TEXT[p.reason] || ""}`, "game");
        break;
      default:
        // Something changed that this client does not know about: read the room again.
        refreshRoom();
        return;
    }
    renderRoom();
  }

  function onError(message) {
    const p = message.payload || {};
    const code = p.code || message.event;
    const entry = message.correlation_id ? app.pending.get(message.correlation_id) : null;
    if (entry) app.pending.delete(message.correlation_id);
    if (!entry && CLOSING_ERRORS.has(code)) return;
    setBusy(false);
    if (entry && entry.kind === "chat") {
      const input = $("#chat-input");
      if (!input.value) input.value = entry.text;
    }
    const text = SOCKET_ERROR_TEXT[code] || p.message || code;
    toast(entry ? `Could not ${entry.what}: ${text}` : text, "error");
    renderRoom();
  }

  let refreshing = null;
  function refreshRoom() {
    if (refreshing || !app.code) return;
    const code = app.code;
    refreshing = api("GET", "/api/rooms/" + encodeURIComponent(code))
      .then((room) => {
        if (app.code !== code || !app.room) return;
        app.room.players = room.players;
        app.room.spectators = room.spectators || [];
        if (!app.game) app.room.status = room.status;
        renderRoom();
      })
      .catch(() => {})
      .finally(() => {
        refreshing = null;
      });
  }

  // ---- players -----------------------------------------------------------------------

  // Seated players (who play the next game) and spectators (who watch and chat).
  function players() {
    return (app.room && app.room.players) || [];
  }

  function spectators() {
    return (app.room && app.room.spectators) || [];
  }

  function findPlayer(id) {
    return players().find((p) => p.player_id === id) || spectators().find((p) => p.player_id === id) || null;
  }

  function upsertPlayer(p, online) {
    if (!app.room) return;
    const existing = findPlayer(p.player_id);
    if (existing) {
      existing.online = online;
      if (p.display_name) existing.display_name = p.display_name;
      return;
    }
    const member = {
      player_id: p.player_id,
      display_name: p.display_name,
      is_host: !!p.is_host,
      online,
    };
    if (p.spectator) {
      app.room.spectators = spectators().concat([member]);
    } else {
      app.room.players = players().concat([member]);
    }
  }

  function removePlayer(id) {
    if (!app.room) return;
    app.room.players = players().filter((p) => p.player_id !== id);
    app.room.spectators = spectators().filter((p) => p.player_id !== id);
  }

  function setHost(id) {
    for (const member of players().concat(spectators())) member.is_host = member.player_id === id;
    if (app.you) app.you.is_host = app.you.player_id === id;
  }

  function myId() {
    return app.you ? app.you.player_id : app.seat ? app.seat.player_id : null;
  }

  function amHost() {
    const me = findPlayer(myId());
    return me ? !!me.is_host : !!(app.you && app.you.is_host);
  }

  function nameOf(id) {
    const p = findPlayer(id);
    if (p) return p.display_name;
    return "Player " + id;
  }

  function namesOf(ids) {
    return listText((ids || []).map(nameOf));
  }

  // ---- chat --------------------------------------------------------------------------

  function mergeChat(messages) {
    const log = $("#chat-log");
    const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    let added = false;
    for (const m of messages) {
      if (!m || !Number.isInteger(m.id) || app.chatIds.has(m.id)) continue;
      app.chatIds.add(m.id);
      const node = chatNode(m);
      // Keep id order even if a late batch arrives after newer messages.
      let before = null;
      for (let child = log.lastElementChild; child; child = child.previousElementSibling) {
        if (Number(child.dataset.chatId) < m.id) break;
        before = child;
      }
      log.insertBefore(node, before);
      if (app.lastChatId === null || m.id > app.lastChatId) app.lastChatId = m.id;
      added = true;
    }
    while (log.children.length > CHAT_KEEP) log.firstElementChild.remove();
    if (added && (nearBottom || messages.length > 1)) log.scrollTop = log.scrollHeight;
  }

  function chatNode(m) {
    const mine = m.player_id === myId();
    const time = m.sent_at ? new Date(m.sent_at) : null;
    const clock =
      time && !Number.isNaN(time.getTime())
        ? time.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
        : "";
    return el(
      "li",
      { class: mine ? "chat-msg mine" : "chat-msg", dataset: { chatId: String(m.id) } },
      el(
        "div",
        { class: "chat-meta" },
        el("span", { class: "chat-author", text: m.display_name }),
        clock ? el("time", { datetime: m.sent_at, text: clock }) : null,
      ),
      el("p", { class: "chat-text", text: m.message }),
    );
  }

  function onChatSubmit(event) {
    event.preventDefault();
    const input = $("#chat-input");
    const text = input.value.trim();
    if (!text) return;
    const correlationId = newId("c");
    if (sendEnvelope({ type: "chat", correlation_id: correlationId, payload: { message: text } })) {
      remember(correlationId, { what: "send your message", kind: "chat", text });
      input.value = "";
    }
  }

  // ---- log, toasts, notice -----------------------------------------------------------

  function logLine(text, kind) {
    const log = $("#log");
    const time = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    log.append(el("li", { class: "log-" + (kind || "room") }, el("time", { text: time }), " ", text));
    while (log.children.length > LOG_KEEP) log.firstElementChild.remove();
    log.scrollTop = log.scrollHeight;
  }

  function toast(text, kind) {
    const box = el(
      "div",
      { class: "toast " + (kind || "info"), role: kind === "error" ? "alert" : "status" },
      el("span", { text }),
    );
    const close = el("button", { type: "button", class: "small", "aria-label": "Dismiss", text: "×" });
    close.addEventListener("click", () => box.remove());
    box.append(close);
    $("#toasts").append(box);
    setTimeout(() => box.remove(), TOAST_MS);
  }

  let noticeAction = null;
  function showNotice(text, options) {
    const opts = options || {};
    app.notice = opts.kind || "info";
    $("#notice").hidden = false;
    $("#notice").dataset.kind = app.notice;
    $("#notice-text").textContent = text;
    const button = $("#notice-action");
    noticeAction = opts.action || null;
    button.hidden = !noticeAction;
    button.textContent = opts.label || "";
  }

  function hideNotice() {
    app.notice = null;
    noticeAction = null;
    $("#notice").hidden = true;
  }

  // ---- rendering: room ---------------------------------------------------------------

  function inGame() {
    return !!(app.game && app.room && app.room.status !== "lobby");
  }

  function renderRoom() {
    if (!app.code) return;
    const share = $("#share-url");
    share.href = "/r/" + app.code;
    share.textContent = roomUrl(app.code);
    const playing = inGame();
    $("#lobby").hidden = playing;
    $("#game").hidden = !playing;
    keepFocus(() => {
      if (playing) renderGame(app.game);
      else renderLobby();
    });
    const mine = app.game && playing && awaited(app.game).includes(myId());
    document.title = (mine ? "Your turn — " : "") + "Avalon — room " + app.code;
  }

  // Re-rendering replaces elements: put the keyboard focus back on the same control.
  function keepFocus(render) {
    const active = document.activeElement;
    const id = active && active.id;
    render();
    if (id && document.activeElement !== active) {
      const again = document.getElementById(id);
      if (again && !again.disabled) again.focus();
    }
  }

  // One member of the lobby's lists: presence, name, badges and, for the host, Remove.
  function memberItem(p, me, canKick) {
    return el(
      "li",
      { class: "player", dataset: { playerId: String(p.player_id), online: String(!!p.online) } },
      el("span", { class: "presence", "aria-hidden": "true" }),
      el("span", { class: "name", text: p.display_name }),
      p.is_host ? el("span", { class: "badge host", text: "Host" }) : null,
      p.player_id === me ? el("span", { class: "badge you", text: "You" }) : null,
      el("span", { class: "status-text", text: p.online ? "online" : "offline" }),
      canKick && p.player_id !== me
        ? el("button", {
            type: "button",
            class: "small danger kick",
            dataset: { kick: String(p.player_id) },
            "aria-label": `Remove ${p.display_name} from the room`,
            text: "Remove",
          })
        : null,
    );
  }

  function renderLobby() {
    const list = players();
    const me = myId();
    const host = amHost();
    const open = !app.room || app.room.status === "lobby";
    $("#player-count").textContent = String(list.length);
    $("#players").replaceChildren(...list.map((p) => memberItem(p, me, host && open)));
    const watchers = spectators();
    $("#spectators-section").hidden = watchers.length === 0;
    $("#spectators").replaceChildren(...watchers.map((p) => memberItem(p, me, host)));
    const watching = me !== null && watchers.some((p) => p.player_id === me);
    $("#options-form").hidden = !host || !open;
    $("#lobby-wait").hidden = host && open;
    $("#lobby-wait").textContent = !open
      ? "A game is in progress in this room."
      : watching
        ? "You are watching: you will see the game when the host starts it."
        : "Waiting for the host to start the game.";
    if (host && open) renderOptions();
  }

  function chosenRoles() {
    return OPTIONAL_ROLES.filter((role) => $("#opt-" + role).checked);
  }

  // The lobby form enforces the rules' limits before the server has to refuse anything.
  function checkOptions(count, roles) {
    const seats = Math.min(MAX_PLAYERS, Math.max(MIN_PLAYERS, count));
    const evil = EVIL_COUNT[seats];
    const good = seats - evil;
    const evilChosen = 1 + roles.filter((r) => EVIL_ROLES.has(r)).length; // + the Assassin
    const goodChosen = 1 + roles.filter((r) => !EVIL_ROLES.has(r)).length; // + Merlin
    let error = "";
    if (count < MIN_PLAYERS) error = `You need at least ${MIN_PLAYERS} players to start (now ${count}).`;
    else if (count > MAX_PLAYERS) error = `At most ${MAX_PLAYERS} players can play (now ${count}).`;
    else if (evilChosen > evil)
      error = `${count} players have ${evil} evil seats: the Assassin and at most ${evil - 1} more evil ${plural(evil - 1, "role", "roles")}.`;
    else if (goodChosen > good) error = `${count} players have only ${good} good seats.`;
    return { evil, good, evilChosen, error, seats };
  }

  function renderOptions() {
    const count = players().length;
    const roles = chosenRoles();
    const check = checkOptions(count, roles);
    for (const role of OPTIONAL_ROLES) {
      const box = $("#opt-" + role);
      // An evil role that no longer fits cannot be added (it can always be removed).
      box.disabled = EVIL_ROLES.has(role) && !box.checked && check.evilChosen >= check.evil;
    }
    if (!app.ui.ladyTouched) $("#opt-lady").checked = count >= LADY_DEFAULT_MIN;
    const sizes = TEAM_SIZES[check.seats].join(", ");
    const lead = count < MIN_PLAYERS ? `Once ${MIN_PLAYERS} players are here` : `With ${count} players`;
    $("#options-summary").textContent =
      `${lead}: ${check.good} good and ${check.evil} evil. ` +
      `Evil roles chosen: ${check.evilChosen} of ${check.evil} (the Assassin counts as one). ` +
      `Quest teams: ${sizes}${check.seats >= 7 ? " (quest 4 needs two fail cards)" : ""}.`;
    $("#options-error").textContent = check.error;
    $("#start-game").disabled = !!check.error || app.ui.busy || app.connState !== "online";
  }

  function onOptionsChange(event) {
    if (event.target.id === "opt-lady") app.ui.ladyTouched = true;
    renderOptions();
  }

  function onStart(event) {
    event.preventDefault();
    const roles = chosenRoles();
    const check = checkOptions(players().length, roles);
    if (check.error) {
      $("#options-error").textContent = check.error;
      return;
    }
    const all = ["merlin", "assassin"].concat(roles).sort(
      (a, b) => ROLE_ORDER.indexOf(a) - ROLE_ORDER.indexOf(b),
    );
    sendAction(
      "start_game",
      { roles: all, lady_of_the_lake: $("#opt-lady").checked },
      "start the game",
    );
  }

  function onPlayersClick(event) {
    const button = event.target.closest("button[data-kick]");
    if (!button) return;
    const id = Number(button.dataset.kick);
    sendAction("kick", { player_id: id }, `remove ${nameOf(id)}`);
  }

  // ---- rendering: game ---------------------------------------------------------------

  function awaited(g) {
    switch (g.phase) {
      case "team_building":
        return [g.leader];
      case "voting":
        return g.players.filter((id) => !g.voted.includes(id));
      case "questing":
        return (g.team || []).filter((id) => !g.played.includes(id));
      case "lady":
        return g.lady ? [g.lady.holder] : [];
      default:
        return [];
    }
  }

  function renderGame(g) {
    renderRoleCard(g);
    renderQuests(g);
    renderVoteTrack(g);
    const phase = phaseText(g);
    // Only a changed sentence is announced again by screen readers.
    if ($("#phase-text").textContent !== phase) $("#phase-text").textContent = phase;
    renderActionPanel(g);
    renderSeats(g);
    renderLastVote(g);
    renderLady(g);
    renderGameOver(g);
    renderRecord();
  }

  function roleLabel(role) {
    return ROLE_LABEL[role] || role;
  }

  function rolesInPlayText(roles) {
    const counts = new Map();
    for (const role of roles || []) counts.set(role, (counts.get(role) || 0) + 1);
    return [...counts]
      .map(([role, n]) => (n > 1 ? `${roleLabel(role)} ×${n}` : roleLabel(role)))
      .join(", ");
  }

  function knowledgeText(g) {
    const you = g.you;
    const seen = (you.sees || []).map((s) => s.player_id);
    const names = namesOf(seen);
    const inPlay = new Set(g.roles_in_play || []);
    const isAre = plural(seen.length, "is", "are");
    switch (you.role) {
      case "merlin":
        return (
          (seen.length ? `${names} ${isAre} evil.` : "You see no evil players.") +
          (inPlay.has("mordred") ? " Mordred is evil too, but hidden from you." : "") +
          " Guide good without giving yourself away: if the Assassin finds you, evil wins."
        );
      case "percival":
        if (seen.length === 2) return `${names} are Merlin and Morgana — you don't know which.`;
        if (seen.length === 1)
          return inPlay.has("morgana") ? `${names} is Merlin or Morgana.` : `${names} is Merlin.`;
        return "You see no one.";
      case "loyal_servant":
        return "You know nothing more: find the evil players by how they vote and quest.";
      case "oberon":
        return "You do not know the other evil players, and they do not know you.";
      default:
        return (
          (seen.length ? `${names} ${isAre} evil with you.` : "You know of no other evil players.") +
          (inPlay.has("oberon") ? " Oberon is evil too, but hidden from you." : "")
        );
    }
  }

  function goalText(you) {
    if (you.alignment === "good") {
      return "Good wins with three successful quests, as long as the Assassin does not find Merlin.";
    }
    const goal = "Evil wins with three failed quests, five rejected teams in a row, or by finding Merlin.";
    return you.role === "assassin" ? goal + " If good completes three quests, you name Merlin." : goal;
  }

  function renderRoleCard(g) {
    const card = $("#role-card");
    const you = g.you;
    if (!you) {
      card.dataset.role = "";
      card.dataset.alignment = "";
      card.replaceChildren(
        el("h2", { text: "You are watching" }),
        el("p", {
          id: "night-knowledge",
          text: "You have no seat in this game, so you see only what everyone sees. Every role is revealed at the end.",
        }),
        el("p", { class: "hint", text: "Roles in this game: " + rolesInPlayText(g.roles_in_play) }),
      );
      return;
    }
    card.dataset.role = you.role;
    card.dataset.alignment = you.alignment;
    card.replaceChildren(
      el("h2", { text: "Your role" }),
      el(
        "p",
        { class: "role-line" },
        el("strong", { id: "my-role", text: ROLE_YOU[you.role] + "." }),
        " ",
        el("span", { class: "badge " + you.alignment, text: you.alignment === "good" ? "Good" : "Evil" }),
      ),
      el("p", { id: "night-knowledge", text: knowledgeText(g) }),
      el("p", { class: "hint", text: goalText(you) }),
      el("p", { class: "hint", text: "Roles in this game: " + rolesInPlayText(g.roles_in_play) + "." }),
    );
  }

  function renderQuests(g) {
    const items = [];
    for (let q = 1; q <= g.team_sizes.length; q += 1) {
      const result = (g.quest_results || []).find((r) => r.quest === q);
      const current = !result && q === g.quest && g.phase !== "game_over";
      const state = result ? (result.success ? "success" : "fail") : current ? "current" : "upcoming";
      const needed = g.fails_required[q - 1];
      let outcome = "";
      if (result) outcome = result.success ? "Success" : "Failed";
      else if (current) outcome = "Now";
      const fails = result && result.fails > 0 ? `${result.fails} fail ${plural(result.fails, "card", "cards")}` : "";
      items.push(
        el(
          "li",
          { class: "quest", dataset: { quest: String(q), state } },
          el("span", { class: "q-num", text: "Quest " + q }),
          el("span", { class: "q-size", text: `${g.team_sizes[q - 1]} players` }),
          needed > 1 ? el("span", { class: "q-two", text: `needs ${needed} fails` }) : null,
          el("span", { class: "q-result", text: outcome }),
          fails ? el("span", { class: "q-fails", text: fails }) : null,
        ),
      );
    }
    $("#quests").replaceChildren(...items);
  }

  function renderVoteTrack(g) {
    const dots = [];
    for (let n = 1; n <= MAX_PROPOSALS; n += 1) {
      dots.push(
        el("li", {
          class: "dot",
          dataset: { filled: String(n < g.proposal), current: String(n === g.proposal) },
          text: String(n),
        }),
      );
    }
    $("#vote-track").replaceChildren(
      el("p", { id: "proposal-text", text: `Proposal ${g.proposal} of ${MAX_PROPOSALS}` }),
      el("ol", { class: "dots", "aria-hidden": "true" }, dots),
      el("p", { class: "hint", text: "A fifth rejected team in a row hands the game to evil." }),
    );
  }

  function phaseText(g) {
    const me = myId();
    const size = g.team_sizes[g.quest - 1];
    switch (g.phase) {
      case "team_building":
        return g.leader === me
          ? `You are the leader: choose ${size} players for quest ${g.quest}.`
          : `${nameOf(g.leader)} is choosing a team of ${size} for quest ${g.quest}.`;
      case "voting":
        return `Vote on the team for quest ${g.quest}: ${namesOf(g.team)}.`;
      case "questing":
        return `${namesOf(g.team)} ${plural((g.team || []).length, "is", "are")} on quest ${g.quest}.`;
      case "lady":
        return g.lady && g.lady.holder === me
          ? "You hold the Lady of the Lake: choose a player whose loyalty you want to learn."
          : `${nameOf(g.lady && g.lady.holder)} is using the Lady of the Lake.`;
      case "assassination":
        return g.you && g.you.role === "assassin"
          ? "Good has completed three quests. Name the player you believe is Merlin."
          : "Good has completed three quests. The Assassin is choosing who they believe is Merlin.";
      case "game_over":
        return `${g.winner === "good" ? "Good" : "Evil"} wins. ${REASON_TEXT[g.reason] || ""}`;
      default:
        return "";
    }
  }

  function button(id, text, cls, disabled, onClick) {
    return el("button", { type: "button", id, class: cls, disabled, onclick: onClick, text });
  }

  function playCard(success) {
    sendAction("play_quest", { success }, "play your card");
  }

  function waitingText(ids) {
    return ids.length ? `Waiting for ${namesOf(ids)}.` : "";
  }

  function renderActionPanel(g) {
    const panel = $("#action-panel");
    const me = myId();
    const you = g.you;
    const busy = app.ui.busy;
    const nodes = [];
    if (g.phase === "team_building" && g.leader === me) {
      nodes.push(teamPicker(g));
    } else if (g.phase === "voting") {
      if (you && !g.voted.includes(me)) {
        nodes.push(
          el("p", { text: `${nameOf(g.leader)} proposes ${namesOf(g.team)}. Do you approve this team?` }),
          el(
            "div",
            { class: "buttons" },
            button("vote-approve", "Approve", "primary good", busy, () => sendVote(true)),
            button("vote-reject", "Reject", "evil", busy, () => sendVote(false)),
          ),
        );
      } else {
        nodes.push(el("p", { id: "waiting", text: (you ? "You voted. " : "") + waitingText(awaited(g)) }));
      }
    } else if (g.phase === "questing") {
      const mine = you && (g.team || []).includes(me) && !g.played.includes(me);
      if (mine) {
        const evil = you.alignment === "evil";
        nodes.push(
          el("p", { text: "You are on this quest: play your card in secret." }),
          el(
            "div",
            { class: "buttons" },
            button("quest-success", "Success", "primary good", busy, () => playCard(true)),
            // Good players cannot fail a quest: they are not even offered the card.
            evil ? button("quest-fail", "Fail", "evil", busy, () => playCard(false)) : null,
          ),
          evil ? null : el("p", { class: "hint", text: "Good players can only play Success." }),
        );
      } else {
        const played = g.played.length;
        nodes.push(
          el("p", {
            id: "waiting",
            text: `${played} of ${(g.team || []).length} cards played. ` + waitingText(awaited(g)),
          }),
        );
      }
    } else if (g.phase === "lady" && g.lady && g.lady.holder === me) {
      const targets = g.players.filter((id) => !g.lady.ineligible.includes(id));
      nodes.push(targetPicker(g, targets, "Examine", "lady_of_the_lake", "use the Lady of the Lake", "use-lady"));
    } else if (g.phase === "assassination" && you && you.role === "assassin") {
      const targets = g.players.filter((id) => id !== me);
      nodes.push(targetPicker(g, targets, "Name as Merlin", "assassinate", "name Merlin", "assassinate"));
    } else if (g.phase !== "game_over") {
      nodes.push(el("p", { id: "waiting", text: waitingText(awaited(g)) }));
    }
    panel.replaceChildren(...nodes);
  }

  function teamPicker(g) {
    const size = g.team_sizes[g.quest - 1];
    const key = `${g.game_id}:${g.quest}:${g.proposal}`;
    if (app.ui.teamKey !== key) {
      app.ui.teamKey = key;
      app.ui.team = new Set();
    }
    const chosen = app.ui.team;
    const full = chosen.size >= size;
    const boxes = g.players.map((id) =>
      el(
        "label",
        { class: "check pick" },
        el("input", {
          type: "checkbox",
          id: "pick-" + id,
          value: String(id),
          checked: chosen.has(id),
          disabled: !chosen.has(id) && full,
          onchange: (event) => {
            if (event.target.checked) chosen.add(id);
            else chosen.delete(id);
            keepFocus(() => renderActionPanel(app.game));
          },
        }),
        " " + nameOf(id) + (id === myId() ? " (you)" : ""),
      ),
    );
    return el(
      "form",
      {
        id: "team-form",
        class: "picker",
        onsubmit: (event) => {
          event.preventDefault();
          if (chosen.size !== size) return;
          const team = g.players.filter((id) => chosen.has(id));
          sendAction("propose_team", { players: team }, "propose the team");
        },
      },
      el("fieldset", {}, el("legend", { text: `Choose ${size} players for quest ${g.quest}` }), boxes),
      el("p", { id: "team-count", class: "hint", text: `${chosen.size} of ${size} chosen.` }),
      el("button", {
        type: "submit",
        id: "propose-team",
        class: "primary",
        disabled: chosen.size !== size || app.ui.busy,
        text: "Propose this team",
      }),
    );
  }

  function targetPicker(g, targets, label, action, what, buttonId) {
    const key = `${g.game_id}:${g.phase}:${g.quest}`;
    if (app.ui.targetKey !== key) {
      app.ui.targetKey = key;
      app.ui.target = null;
    }
    const radios = targets.map((id) =>
      el(
        "label",
        { class: "check pick" },
        el("input", {
          type: "radio",
          name: "target",
          id: "target-" + id,
          value: String(id),
          checked: app.ui.target === id,
          onchange: () => {
            app.ui.target = id;
            keepFocus(() => renderActionPanel(app.game));
          },
        }),
        " " + nameOf(id),
      ),
    );
    const legend = action === "assassinate" ? "Who is Merlin?" : "Whose loyalty do you want to learn?";
    return el(
      "form",
      {
        id: "target-form",
        class: "picker",
        onsubmit: (event) => {
          event.preventDefault();
          if (app.ui.target === null) return;
          sendAction(action, { target: app.ui.target }, what);
        },
      },
      el("fieldset", {}, el("legend", { text: legend }), radios),
      el("button", {
        type: "submit",
        id: buttonId,
        class: "primary",
        disabled: app.ui.target === null || app.ui.busy,
        text: label,
      }),
    );
  }

  function renderSeats(g) {
    const you = g.you;
    const sees = new Map(((you && you.sees) || []).map((s) => [s.player_id, s.as]));
    const checked = new Map((g.lady_results || []).map((r) => [r.target, r.alignment]));
    const me = myId();
    const items = g.players.map((id, index) => {
      const p = findPlayer(id);
      const badges = [];
      if (id === g.leader && g.phase !== "game_over") badges.push(["leader", "Leader"]);
      if (g.lady && g.lady.holder === id) badges.push(["lady", "Lady of the Lake"]);
      if ((g.team || []).includes(id)) badges.push(["team", "On the team"]);
      if (g.phase === "voting" && g.voted.includes(id)) badges.push(["voted", "Voted"]);
      if (g.phase === "questing" && g.played.includes(id)) badges.push(["played", "Played"]);
      if (sees.get(id) === "evil") badges.push(["evil", "Evil"]);
      if (sees.get(id) === "merlin_or_morgana") badges.push(["mm", "Merlin or Morgana"]);
      if (checked.has(id)) badges.push([checked.get(id), `Lady: ${checked.get(id)}`]);
      if (g.roles && g.roles[String(id)]) {
        const role = g.roles[String(id)];
        badges.push([EVIL_ROLES.has(role) ? "evil" : "good", roleLabel(role)]);
      }
      if (g.votes && String(id) in g.votes) {
        badges.push(g.votes[String(id)] ? ["approve", "Approved"] : ["reject", "Rejected"]);
      }
      if (p && !p.online) badges.push(["offline", "offline"]);
      return el(
        "li",
        { class: "seat", dataset: { playerId: String(id), online: String(!!(p && p.online)) } },
        el("span", { class: "seat-num", text: String(index + 1) }),
        el("span", { class: "name", text: nameOf(id) + (id === me ? " (you)" : "") }),
        badges.map(([kind, text]) => el("span", { class: "badge " + kind, text })),
      );
    });
    $("#seats").replaceChildren(...items);
    const watchers = spectators().map((p) => p.display_name + (p.player_id === me ? " (you)" : ""));
    $("#watchers").textContent = watchers.length ? "Watching: " + listText(watchers) + "." : "";
  }

  function renderLastVote(g) {
    const node = $("#last-vote");
    if (!g.votes) {
      node.textContent = "";
      return;
    }
    const values = Object.values(g.votes);
    const yes = values.filter(Boolean).length;
    const approved = 2 * yes > values.length;
    node.textContent = `Last vote: ${approved ? "approved" : "rejected"}, ${yes} for and ${values.length - yes} against.`;
  }

  function renderLady(g) {
    const box = $("#lady-info");
    if (!g.lady) {
      box.replaceChildren();
      return;
    }
    const lines = [
      el("p", { text: `Lady of the Lake: ${nameOf(g.lady.holder)} holds her.` }),
    ];
    if (g.lady.checks.length) {
      const used = g.lady.checks.map((c) => `${nameOf(c.holder)} examined ${nameOf(c.target)}`);
      lines.push(el("p", { class: "hint", text: used.join("; ") + "." }));
    }
    for (const r of g.lady_results || []) {
      lines.push(el("p", { class: "lady-result", text: `The Lady showed you that ${nameOf(r.target)} is ${r.alignment}.` }));
    }
    box.replaceChildren(...lines);
  }

  function renderGameOver(g) {
    const box = $("#game-over");
    if (g.phase !== "game_over") {
      box.hidden = true;
      box.replaceChildren();
      return;
    }
    box.hidden = false;
    box.dataset.winner = g.winner || "";
    const roles = g.roles || {};
    const reveal = g.players.map((id) => {
      const role = roles[String(id)];
      const side = role ? (EVIL_ROLES.has(role) ? "evil" : "good") : "";
      return el(
        "li",
        { dataset: { playerId: String(id), role: role || "" } },
        el("span", { class: "name", text: nameOf(id) }),
        " — ",
        el("span", { class: "badge " + side, text: role ? `${roleLabel(role)} (${side})` : "unknown" }),
      );
    });
    box.replaceChildren(
      el("h2", { id: "winner", text: g.winner === "good" ? "Good wins!" : "Evil wins!" }),
      el("p", { text: REASON_TEXT[g.reason] || "" }),
      el("h3", { text: "Everyone's role" }),
      el("ul", { id: "roles-reveal", class: "reveal" }, reveal),
      el(
        "div",
        { class: "buttons" },
        el("button", { type: "button", id: "show-record", onclick: loadRecord, text: "Show the game record" }),
        amHost()
          ? el("button", {
              type: "button",
              id: "play-again",
              class: "primary",
              disabled: app.ui.busy,
              onclick: () => sendAction("play_again", {}, "start a new game"),
              text: "Play again",
            })
          : el("p", { class: "hint", text: "The host can start another game." }),
      ),
    );
  }

  // ---- the game record ---------------------------------------------------------------

  async function loadRecord() {
    const g = app.game;
    if (!g || !app.code) return;
    const section = $("#record");
    section.hidden = false;
    section.replaceChildren(el("p", { text: "Loading the game record…" }));
    try {
      const data = await api("GET", `/api/rooms/${encodeURIComponent(app.code)}/games/${g.number}`);
      app.ui.record = data && data.game && data.game.proposals ? data.game : data;
      app.ui.recordFor = g.game_id;
    } catch (err) {
      app.ui.record = { error: err.message };
      app.ui.recordFor = g.game_id;
    }
    renderRecord();
    section.scrollIntoView({ block: "nearest" });
  }

  function renderRecord() {
    const section = $("#record");
    const record = app.ui.record;
    if (!record || !app.game || app.ui.recordFor !== app.game.game_id) {
      section.hidden = true;
      section.replaceChildren();
      return;
    }
    section.hidden = false;
    if (record.error) {
      section.replaceChildren(el("p", { class: "form-error", text: "Could not load the record: " + record.error }));
      return;
    }
    const roles = record.roles || {};
    const who = (id) => nameOf(id) + (roles[String(id)] ? ` (${roleLabel(roles[String(id)])})` : "");
    const proposals = (record.proposals || []).map((p) => {
      const votes = p.votes || {};
      const yes = Object.keys(votes).filter((id) => votes[id]).map((id) => nameOf(Number(id)));
      const no = Object.keys(votes).filter((id) => !votes[id]).map((id) => nameOf(Number(id)));
      return el(
        "li",
        {},
        `Quest ${p.quest}, proposal ${p.proposal}: ${nameOf(p.leader)} proposed ${namesOf(p.team)} — ` +
          `${p.approved ? "approved" : "rejected"}. For: ${listText(yes)}. Against: ${listText(no)}.`,
      );
    });
    const quests = (record.quest_results || []).map((q) =>
      el(
        "li",
        {},
        `Quest ${q.quest}: ${namesOf(q.team)} — ${q.success ? "success" : "failed"}, ` +
          `${q.fails} fail ${plural(q.fails, "card", "cards")}.`,
      ),
    );
    const checks = (record.lady_checks || []).map((c) =>
      el("li", {}, `${nameOf(c.holder)} examined ${nameOf(c.target)}: ${c.alignment}.`),
    );
    const parts = [
      el("h2", { text: `Game ${record.number || ""} record` }),
      el("h3", { text: "Roles" }),
      el("ul", {}, (record.players || []).map((id) => el("li", {}, who(id)))),
      el("h3", { text: "Proposals" }),
      proposals.length ? el("ol", { id: "record-proposals" }, proposals) : el("p", { text: "None." }),
      el("h3", { text: "Quests" }),
      quests.length ? el("ol", { id: "record-quests" }, quests) : el("p", { text: "None." }),
    ];
    if (record.lady_of_the_lake || checks.length) {
      parts.push(el("h3", { text: "Lady of the Lake" }), checks.length ? el("ul", {}, checks) : el("p", { text: "Not used." }));
    }
    if (record.assassin_target !== null && record.assassin_target !== undefined) {
      const hit = roles[String(record.assassin_target)] === "merlin";
      parts.push(
        el("h3", { text: "Assassination" }),
        el("p", {
          text: `${nameOf(record.assassin)} named ${nameOf(record.assassin_target)}: ${hit ? "that was Merlin" : "not Merlin"}.`,
        }),
      );
    }
    parts.push(
      el("p", {
        id: "record-winner",
        class: "winner",
        text: `${record.winner === "good" ? "Good" : "Evil"} won. ${REASON_TEXT[record.reason] || ""}`,
      }),
    );
    section.replaceChildren(...parts);
  }

  // ---- text of events ----------------------------------------------------------------

  function voteResultText(p) {
    const votes = p.votes || {};
    const yes = Object.keys(votes).filter((id) => votes[id]).map((id) => nameOf(Number(id)));
    const no = Object.keys(votes).filter((id) => !votes[id]).map((id) => nameOf(Number(id)));
    return (
      `The team ${namesOf(p.team)} was ${p.approved ? "approved" : "rejected"} ` +
      `(${yes.length}–${no.length}). For: ${listText(yes)}. Against: ${listText(no)}.`
    );
  }

  function questResultText(p) {
    return (
      `Quest ${p.quest} ${p.success ? "succeeded" : "failed"} ` +
      `with ${p.fails} fail ${plural(p.fails, "card", "cards")}.`
    );
  }

  // ---- start -------------------------------------------------------------------------

  async function copyLink() {
    const url = roomUrl(app.code);
    try {
      await navigator.clipboard.writeText(url);
      toast("Link copied: " + url);
    } catch (err) {
      toast("Share this link: " + url);
    }
  }

  function init() {
    $("#create-form").addEventListener("submit", onCreate);
    $("#join-code-form").addEventListener("submit", onJoinByCode);
    $("#join-form").addEventListener("submit", onJoinFromLink);
    $("#chat-form").addEventListener("submit", onChatSubmit);
    $("#options-form").addEventListener("submit", onStart);
    $("#options-form").addEventListener("change", onOptionsChange);
    $("#players").addEventListener("click", onPlayersClick);
    $("#spectators").addEventListener("click", onPlayersClick);
    $("#copy-link").addEventListener("click", copyLink);
    $("#notice-action").addEventListener("click", () => {
      if (noticeAction) noticeAction();
    });
    $("#share-url").addEventListener("click", (event) => {
      event.preventDefault();
      copyLink();
    });
    window.addEventListener("popstate", route);
    // Coming back online or to the tab: do not wait for the backoff timer.
    const retrySoon = () => {
      if (app.retryTimer && app.seat) reconnectNowQuietly();
    };
    window.addEventListener("online", retrySoon);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") retrySoon();
    });
    route();
  }

  function reconnectNowQuietly() {
    app.attempt = Math.max(0, app.attempt - 1);
    connect();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
