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

  // -- the notice banner and toasts
  "notice.reconnect": "Reconnect now",
  "notice.useThisTab": "Use this tab",
  "notice.tryAgain": "Try again",
  "notice.rulesFailed": "Cannot load the game rules from the server — retrying…",
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

  // -- the role card
  "card.watching": "You are watching",
  "card.watchingText":
    "You have no seat in this game, so you see only what everyone sees. Every role is revealed at the end.",
  "card.rolesWatching": "Roles in this game: {roles}",
  "card.roles": "Roles in this game: {roles}.",
  "card.title": "Your role",
  "card.you": "{role}.",
  "card.roleCount": "{role} ×{count}",
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
  "action.goodOnlySuccess": "Good players can only play Success.",
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
  "over.showRecord": "Show the game record",
  "over.playAgain": "Play again",
  "over.hostOnly": "The host can start another game.",
  "record.loading": "Loading the game record…",
  "record.failed": "Could not load the record: {error}",
  "record.title": "Game {number} record",
  "record.roles": "Roles",
  "record.proposals": "Proposals",
  "record.quests": "Quests",
  "record.lady": "Lady of the Lake",
  "record.assassination": "Assassination",
  "record.none": "None.",
  "record.ladyUnused": "Not used.",
  "record.who": "{name} ({role})",
  "record.proposalApproved":
    "Quest {quest}, proposal {proposal}: {leader} proposed {team} — approved. For: {yes}. Against: {no}.",
  "record.proposalRejected":
    "Quest {quest}, proposal {proposal}: {leader} proposed {team} — rejected. For: {yes}. Against: {no}.",
  "record.questSuccess": {
    one: "Quest {quest}: {team} — success, {count} fail card.",
    other: "Quest {quest}: {team} — success, {count} fail cards.",
  },
  "record.questFailed": {
    one: "Quest {quest}: {team} — failed, {count} fail card.",
    other: "Quest {quest}: {team} — failed, {count} fail cards.",
  },
  "record.ladyCheck": "{holder} examined {target}: {alignment}.",
  "record.assassinHit": "{assassin} named {target}: that was Merlin.",
  "record.assassinMiss": "{assassin} named {target}: not Merlin.",
  "record.won.good": "Good won. {reason}",
  "record.won.evil": "Evil won. {reason}",

  // -- lines of the log
  "log.joined": "{name} joined the room.",
  "log.joinedToWatch": "{name} joined the room to watch.",
  "log.host": "{name} is now the host.",
  "log.online": "{name} is online.",
  "log.offline": "{name} went offline.",
  "log.left": "{name} left the room.",
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
