// Every string the client shows, keyed, in one table: it is meant to become one JSON
// message table per language. A message is a string with {name} placeholders, or, when
// it depends on a count, an object of plural forms ({one, other}) chosen by that count.

// The language of the messages below; plural forms follow its rules.
const LOCALE = "en";

const MESSAGES = {
  // -- page titles and the connection indicator
  "title.home": "Avalon",
  "title.room": "Avalon — room {code}",
  "title.yourTurn": "Your turn — {title}",
  "conn.idle": "Not connected",
  "conn.connecting": "Connecting…",
  "conn.online": "Online",
  "conn.reconnecting": "Reconnecting…",
  "conn.offline": "Disconnected",

  // -- lists of names, numbers in words
  "list.nobody": "nobody",
  "list.comma": ", ",
  "list.and": " and ",
  "list.semicolon": "; ",
  "number.2": "two",
  "number.3": "three",
  "name.you": "{name} (you)",
  "name.unknown": "Player {id}",
  "name.nobody": "nobody",

  // -- roles, sides and the ends of games
  "role.merlin": "Merlin",
  "role.percival": "Percival",
  "role.loyal_servant": "Loyal Servant",
  "role.assassin": "Assassin",
  "role.morgana": "Morgana",
  "role.mordred": "Mordred",
  "role.oberon": "Oberon",
  "role.minion": "Minion of Mordred",
  "roleYou.merlin": "You are Merlin",
  "roleYou.percival": "You are Percival",
  "roleYou.loyal_servant": "You are a Loyal Servant of Arthur",
  "roleYou.assassin": "You are the Assassin",
  "roleYou.morgana": "You are Morgana",
  "roleYou.mordred": "You are Mordred",
  "roleYou.oberon": "You are Oberon",
  "roleYou.minion": "You are a Minion of Mordred",
  "alignment.good": "good",
  "alignment.evil": "evil",
  "side.good": "Good",
  "side.evil": "Evil",
  "reason.three_quests": "Good completed three quests.",
  "reason.three_fails": "Three quests failed.",
  "reason.five_rejections": "Five teams in a row were rejected.",
  "reason.merlin_assassinated": "The Assassin found Merlin.",
  "reason.merlin_survived": "The Assassin did not find Merlin.",
  "wins.good": "Good wins. {reason}",
  "wins.evil": "Evil wins. {reason}",

  // -- why the socket closed, by the close code's name ("lost": no code from the server)
  "close.normal": "The connection was closed — reconnecting…",
  "close.going_away": "The server is restarting — reconnecting…",
  "close.lost": "The connection was lost — reconnecting…",
  "close.policy": "The server closed the connection after too many errors — reconnecting…",
  "close.too_big": "A message was too large for the server — reconnecting…",
  "close.internal_error": "The server ran into an error — reconnecting…",
  "close.bad_request": "The connection request was malformed. Please join again.",
  "close.unauthorized": "Your seat is no longer valid (expired or removed).",
  "close.forbidden": "This seat is not allowed to connect to this room from here.",
  "close.room_not_found": "This room does not exist.",
  "close.idle": "The connection went quiet for too long — reconnecting…",
  "close.replaced": "You opened this room in another tab.",
  "close.too_slow": "The connection fell too far behind — reconnecting…",
  "close.unreachable": "Cannot reach the server — retrying…",
  "close.dead": "The server stopped answering — reconnecting…",
  "close.roomGone": "{text} ({code})",
  "close.kicked": "The host removed you from this room.",

  // -- the notice banner and toasts
  "notice.reconnect": "Reconnect now",
  "notice.useThisTab": "Use this tab",
  "notice.tryAgain": "Try again",
  "notice.rulesFailed": "Cannot load the game rules from the server — retrying…",
  "notice.left": "You left room {code}.",
  "toast.dismiss": "Dismiss",
  "toast.close": "×",
  "toast.copied": "Link copied: {url}",
  "toast.share": "Share this link: {url}",

  // -- errors of the HTTP API and of the socket, by error code
  "apiError.network": "Cannot reach the server. Check your connection and try again.",
  "apiError.http": "The server answered {status}.",
  "apiError.invalid_display_name": "Names are 1 to {nameMax} characters, without control characters.",
  "apiError.name_taken": "That name is taken in this room: pick another.",
  "apiError.room_full": "This room is full ({maxPlayers} players).",
  "apiError.game_in_progress": "A game is in progress in this room: you can join as a spectator and watch.",
  "apiError.room_not_found": "This room does not exist.",
  "apiError.rate_limited": "Too many requests from your network: wait a few seconds and try again.",
  "apiError.kicked": "The host removed you from this room, so this browser cannot join it again.",
  "apiError.room_locked": "The host has locked this room: nobody new can join for now.",
  "apiError.invalid_device": "This browser's id was refused: clear this site's data and try again.",
  "socketError.rate_limited": "You are sending messages too fast: wait a moment.",
  "socket.notConnected": "Not connected right now: try again in a moment.",
  "error.couldNot": "Could not {what}: {text}",

  // -- what a move was, for "Could not …"
  "what.proposeTeam": "propose the team",
  "what.vote": "vote",
  "what.playCard": "play your card",
  "what.useLady": "use the Lady of the Lake",
  "what.nameMerlin": "name Merlin",
  "what.playAgain": "start a new game",
  "what.startGame": "start the game",
  "what.kick": "remove {name}",
  "what.chat": "send your message",
  "what.takeSeat": "take a seat",
  "what.leaveSeat": "step back to watching",
  "what.leaveRoom": "leave the room",
  "what.lock": "lock the room",
  "what.unlock": "unlock the room",
  "what.returnToLobby": "go back to the lobby",
  "what.pauseTimer": "pause the timer",
  "what.resumeTimer": "resume the timer",

  // -- home, joining
  "home.roomLink": "Room {code}",
  "home.as": " as {name}",
  "home.you": "you",
  "form.badCode": "Room codes are {length} letters and digits, like K7QPZ.",
  "join.checking": "Checking the room…",
  "join.here": {
    one: "{names} is here ({count}/{max}).",
    other: "{names} are here ({count}/{max}).",
  },
  "join.nobody": "Nobody is here yet.",
  "join.inGame": "A game is in progress: you can join as a spectator and watch.",
  "join.full": "The table is full: you can join as a spectator.",
  "join.finished": "The last game is over: you can take a seat for the next one.",
  "join.locked": "The host has locked this room: nobody new can join for now.",
  "join.kicked": "The host removed you from this room, so this browser cannot join it again.",

  // -- the lobby
  "lobby.host": "Host",
  "lobby.you": "You",
  "lobby.online": "online",
  "lobby.offline": "offline",
  "lobby.kick": "Remove",
  "lobby.kickLabel": "Remove {name} from the room",
  "lobby.inGame": "A game is in progress in this room.",
  "lobby.watching": "You are watching: you will see the game when the host starts it.",
  "lobby.wait": "Waiting for the host to start the game.",
  "seats.take": "Take a seat",
  "seats.watch": "Watch instead",
  "seats.full": "All {max} seats are taken.",
  "seats.leaveRoom": "Leave the room",
  "seats.leaveAsk": "Leave this room? Your place here is given up.",
  "seats.leaveAsk.inGame": "Leave this room? The game goes on without you: your seat stays, offline.",
  "seats.leaveYes": "Leave",
  "seats.leaveNo": "Stay",
  "lock.lock": "Lock the room",
  "lock.locked": "The room is locked: nobody new can join.",
  "setup.roles": "Roles: {roles}.",
  "setup.ladyOn": "Lady of the Lake: on.",
  "setup.ladyOff": "Lady of the Lake: off.",
  "setup.noTimer": "No turn timer.",
  "setup.timer": { one: "Turn timer: {count} second.", other: "Turn timer: {count} seconds." },
  "setup.last": "The last game's setup — {setup}",
  "setup.this": "This game's setup — {setup}",
  "options.tooFew": "You need at least {min} players to start (now {count}).",
  "options.tooMany": "At most {max} players can play (now {count}).",
  "options.tooManyEvil": {
    one: "{players} players have {evil} evil seats: the Assassin and at most {count} more evil role.",
    other: "{players} players have {evil} evil seats: the Assassin and at most {count} more evil roles.",
  },
  "options.tooManyGood": "{players} players have only {good} good seats.",
  "options.leadWaiting": "Once {min} players are here",
  "options.leadCount": "With {count} players",
  "options.summary":
    "{lead}: {good} good and {evil} evil. " +
    "Evil roles chosen: {chosen} of {evil} (the Assassin counts as one). " +
    "Quest teams: {sizes}{fails}.",
  "options.questFails": " (quest {quest} needs {fails} fail cards)",
  "options.timerHint":
    "when a turn's time runs out the server moves for whoever is missing: a vote approves, " +
    "a quest card succeeds, other choices are random among the allowed ones",
  "options.timerRange": "The turn timer is {min} to {max} seconds.",

  // -- the role card
  "card.watching": "You are watching",
  "card.watchingText":
    "You have no seat in this game, so you see only what everyone sees. Every role is revealed at the end.",
  "card.rolesWatching": "Roles in this game: {roles}",
  "card.roles": "Roles in this game: {roles}.",
  "card.title": "Your role",
  "card.you": "{role}.",
  "card.roleCount": "{role} ×{count}",
  "card.covered": "Your role is covered. Press the button to see it; press again to cover it.",
  "card.show": "Show my role",
  "card.hide": "Cover my role",
  "knows.merlinEvil": { one: "{names} is evil.", other: "{names} are evil." },
  "knows.merlinNone": "You see no evil players.",
  "knows.merlinMordred": "Mordred is evil too, but hidden from you.",
  "knows.merlinGoal": "Guide good without giving yourself away: if the Assassin finds you, evil wins.",
  "knows.percivalTwo": "{names} are Merlin and Morgana — you don't know which.",
  "knows.percivalOneOrMorgana": "{names} is Merlin or Morgana.",
  "knows.percivalOne": "{names} is Merlin.",
  "knows.percivalNone": "You see no one.",
  "knows.servant": "You know nothing more: find the evil players by how they vote and quest.",
  "knows.oberon": "You do not know the other evil players, and they do not know you.",
  "knows.evil": { one: "{names} is evil with you.", other: "{names} are evil with you." },
  "knows.evilNone": "You know of no other evil players.",
  "knows.evilOberon": "Oberon is evil too, but hidden from you.",
  "goal.good": "Good wins with three successful quests, as long as the Assassin does not find Merlin.",
  "goal.evil": "Evil wins with three failed quests, five rejected teams in a row, or by finding Merlin.",
  "goal.assassin": "If good completes three quests, you name Merlin.",

  // -- the board: quests, the vote track, the phase
  "quest.number": "Quest {quest}",
  "quest.size": "{size} players",
  "quest.needs": "needs {fails} fails",
  "quest.success": "Success",
  "quest.failed": "Failed",
  "quest.now": "Now",
  "quest.failCards": { one: "{count} fail card", other: "{count} fail cards" },
  "track.proposal": "Proposal {proposal} of {max}",
  "track.hint": "A fifth rejected team in a row hands the game to evil.",
  "phase.leaderYou": "You are the leader: choose {size} players for quest {quest}.",
  "phase.leader": "{leader} is choosing a team of {size} for quest {quest}.",
  "phase.voting": "Vote on the team for quest {quest}: {team}.",
  "phase.questing": { one: "{team} is on quest {quest}.", other: "{team} are on quest {quest}." },
  "phase.ladyYou": "You hold the Lady of the Lake: choose a player whose loyalty you want to learn.",
  "phase.lady": "{holder} is using the Lady of the Lake.",
  "phase.assassinYou": "Good has completed three quests. Name the player you believe is Merlin.",
  "phase.assassin": "Good has completed three quests. The Assassin is choosing who they believe is Merlin.",

  // -- the action panel and its pickers
  "action.proposes": "{leader} proposes {team}. Do you approve this team?",
  "action.approve": "Approve",
  "action.reject": "Reject",
  "action.youVoted": "You voted.",
  "action.onQuest": "You are on this quest: play your card in secret.",
  "action.success": "Success",
  "action.fail": "Fail",
  "action.questRule": "Good players can only play Success; evil players choose either card.",
  "action.waitingAssassin": "Waiting for the Assassin.",
  "action.cardsPlayed": "{played} of {size} cards played.",
  "action.waiting": "Waiting for {names}.",
  "action.examine": "Examine",
  "action.nameMerlin": "Name as Merlin",
  "picker.team": "Choose {size} players for quest {quest}",
  "picker.chosen": "{chosen} of {size} chosen.",
  "picker.propose": "Propose this team",
  "picker.merlin": "Who is Merlin?",
  "picker.lady": "Whose loyalty do you want to learn?",

  // -- the table of seats
  "badge.leader": "Leader",
  "badge.lady": "Lady of the Lake",
  "badge.team": "On the team",
  "badge.voted": "Voted",
  "badge.played": "Played",
  "badge.evil": "Evil",
  "badge.mm": "Merlin or Morgana",
  "badge.ladySaw": "Lady: {alignment}",
  "badge.approved": "Approved",
  "badge.rejected": "Rejected",
  "badge.offline": "offline",
  "badge.left": "left the room",
  "seat.number": "Seat {number}",
  "seats.watching": "Watching: {names}.",
  "vote.approved": "Last vote: approved, {yes} for and {no} against.",
  "vote.rejected": "Last vote: rejected, {yes} for and {no} against.",
  "lady.holds": "Lady of the Lake: {holder} holds her.",
  "lady.examined": "{holder} examined {target}",
  "lady.checks": "{checks}.",
  "lady.result": "The Lady showed you that {target} is {alignment}.",

  // -- game over and the record
  "over.winner.good": "Good wins!",
  "over.winner.evil": "Evil wins!",
  "over.roles": "Everyone's role",
  "over.role": "{role} ({side})",
  "over.unknown": "unknown",
  "over.dash": " — ",
  "over.named": "named by the Assassin",
  "over.assassinHit": "{assassin}, the Assassin, named {target} — who was Merlin.",
  "over.assassinMiss": "{assassin}, the Assassin, named {target} — who was {role}, not Merlin.",
  "over.playAgain": "Play again",
  "over.backToLobby": "Back to lobby",
  "over.next": "Next game",
  "over.table": "At the table",
  "over.hostHint":
    "Play again keeps this setup and these players (in a new seat order if shuffled); " +
    "Back to lobby lets you change roles, options and players.",
  "over.hostOnly": "The host can start another game or go back to the lobby to change the setup.",
  "record.title": "Game {number} record",
  "record.proposalCount": "{count} teams were voted on: {approved} approved, {rejected} rejected (see the vote history).",
  "record.quests": "Quests",
  "record.lady": "Lady of the Lake",
  "record.none": "None.",
  "record.ladyUnused": "Not used.",
  "record.questSuccess": {
    one: "Quest {quest}: {team} — success, {count} fail card.",
    other: "Quest {quest}: {team} — success, {count} fail cards.",
  },
  "record.questFailed": {
    one: "Quest {quest}: {team} — failed, {count} fail card.",
    other: "Quest {quest}: {team} — failed, {count} fail cards.",
  },
  "record.ladyCheck": "{holder} examined {target}: {alignment}.",
  "record.won.good": "Good won. {reason}",
  "record.won.evil": "Evil won. {reason}",

  // -- the vote history grid
  "grid.caption": "Every vote on every proposed team, by player",
  "grid.empty": "No team has been voted on yet.",
  "grid.player": "Player",
  "grid.quest": "Quest {quest}",
  "grid.questSuccess": "succeeded",
  "grid.questFailed": "failed",
  "grid.fails": { one: "({count} fail)", other: "({count} fails)" },
  "grid.proposal": "#{proposal}",
  "grid.proposalApproved": "Quest {quest}, proposal {proposal}: approved",
  "grid.proposalRejected": "Quest {quest}, proposal {proposal}: rejected",
  "grid.yes": "✓",
  "grid.no": "✗",
  "grid.approved": "approved",
  "grid.rejected": "rejected",
  "grid.noVote": "no vote",
  "grid.leader": "leader",
  "grid.onTeam": "on the team",
  "grid.leaderMark": "L",
  "grid.result": "Result",
  "grid.tally": "{yes}–{no}",
  "grid.legend": "✓ approve, ✗ reject; L marks the leader, a frame the players on the team.",

  // -- the turn timer
  "timer.clock": "{minutes}:{seconds}",
  "timer.left": "Time left for this turn: {clock}",
  "timer.paused": "Timer paused ({clock} left)",
  "timer.up": "Time is up: the server moves for whoever is missing.",
  "timer.pause": "Pause the timer",
  "timer.resume": "Resume the timer",

  // -- alerts, settings and the phone's tabs
  "alert.title": "Avalon — your turn (room {code})",
  "alert.test": "This is how Avalon tells you it is your turn.",
  "prefs.notifyUnsupported": "(this browser cannot show notifications)",
  "prefs.notifyDenied": "(notifications are blocked for this site in the browser's settings)",
  "tabs.chat": "Chat",
  "tabs.chatUnread": { one: "Chat, {count} unread message", other: "Chat, {count} unread messages" },

  // -- lines of the log
  "log.joined": "{name} joined the room.",
  "log.joinedToWatch": "{name} joined the room to watch.",
  "log.host": "{name} is now the host.",
  "log.online": "{name} is online.",
  "log.offline": "{name} went offline.",
  "log.left": "{name} left the room.",
  "log.kicked": "The host removed {name} from the room.",
  "log.seatTaken": "{name} took a seat.",
  "log.seatLeft": "{name} is watching now.",
  "log.locked": "{name} locked the room.",
  "log.unlocked": "{name} unlocked the room.",
  "log.lobby": "{name} brought the table back to the lobby.",
  "log.timerPaused": "The host paused the turn timer.",
  "log.timerResumed": "The host resumed the turn timer.",
  "log.started": "The game has started. {leader} leads first.",
  "log.startedLady": "The game has started. {leader} leads first; {lady} holds the Lady of the Lake.",
  "log.proposed": "{leader} proposed {team} for quest {quest} (proposal {proposal}).",
  "log.voteApproved": "The team {team} was approved ({yes}–{no}). For: {yesNames}. Against: {noNames}.",
  "log.voteRejected": "The team {team} was rejected ({yes}–{no}). For: {yesNames}. Against: {noNames}.",
  "log.questSucceeded": {
    one: "Quest {quest} succeeded with {count} fail card.",
    other: "Quest {quest} succeeded with {count} fail cards.",
  },
  "log.questFailed": {
    one: "Quest {quest} failed with {count} fail card.",
    other: "Quest {quest} failed with {count} fail cards.",
  },
  "log.ladyUsed": "{holder} used the Lady of the Lake on {target}.",
  "log.ladyResult": "The Lady of the Lake shows you that {target} is {alignment}.",
  "log.assassination": "Good has completed three quests. The Assassin must now name Merlin.",
};

const pluralRules = new Intl.PluralRules(LOCALE);

function fill(template, params) {
  return template.replace(/\{(\w+)\}/g, (whole, name) =>
    params && params[name] !== undefined && params[name] !== null ? String(params[name]) : whole,
  );
}

/** Whether the table has a message for this key. */
export function has(key) {
  return Object.prototype.hasOwnProperty.call(MESSAGES, key);
}

/** The message for key with its {placeholders} filled from params; the key if unknown. */
export function t(key, params) {
  const message = MESSAGES[key];
  if (message === undefined) return key;
  if (typeof message !== "string") return plural(key, params && params.count, params);
  return fill(message, params);
}

/** The plural form of a counted message for count; {count} is filled in too. */
export function plural(key, count, params) {
  const message = MESSAGES[key];
  if (message === undefined) return key;
  const all = Object.assign({ count }, params);
  if (typeof message === "string") return fill(message, all);
  const form = message[pluralRules.select(Number(count))] || message.other;
  return fill(form, all);
}

/** "A", "A and B", "A, B and C", or "nobody" for no one. */
export function listText(items) {
  if (items.length === 0) return t("list.nobody");
  if (items.length === 1) return items[0];
  return items.slice(0, -1).join(t("list.comma")) + t("list.and") + items[items.length - 1];
}

/** A small number in words where the table has one ("two"), else in digits. */
export function numberWord(n) {
  return has("number." + n) ? t("number." + n) : String(n);
}

/** The display name of a role ("Minion of Mordred"), or its id if unknown. */
export function roleLabel(role) {
  return has("role." + role) ? t("role." + role) : role;
}

/** "good" or "evil" as words of a sentence. */
export function alignmentText(alignment) {
  return has("alignment." + alignment) ? t("alignment." + alignment) : String(alignment);
}

/** Why a game ended, as a sentence, or "" for an unknown reason. */
export function reasonText(reason) {
  return has("reason." + reason) ? t("reason." + reason) : "";
}

/** "Good wins. …" or "Evil wins. …" with the reason. */
export function winsText(winner, reason) {
  return t(winner === "good" ? "wins.good" : "wins.evil", { reason: reasonText(reason) });
}
