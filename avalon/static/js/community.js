// The accounts' pages: a player's profile (/players/N), a group (/groups/ID) and the
// leaderboard (/leaderboard?page=N), drawn from the API's answers.
import { api } from "./api.js";
import { $, el, put, showView } from "./dom.js";
import { alignmentText, plural, roleLabel, t } from "./text.js";

const PROFILE_PATH = /^\/players\/(\d+)\/?$/;
const GROUP_PATH = /^\/groups\/([A-Za-z0-9_-]{1,32})\/?$/;
const LEADERBOARD_PATH = /^\/leaderboard\/?$/;

function percent(part, whole) {
  return whole ? Math.round((100 * part) / whole) + "%" : "–";
}

function setupText(players, roles) {
  const named = roles.map(roleLabel).join(", ");
  return t("community.setup", { players, roles: named || t("community.noRoles") });
}

function gameLine(game, extra) {
  const what = t("community.game", { number: game.number, code: game.room_code });
  const result = game.winner ? t(game.winner === "good" ? "community.goodWon" : "community.evilWon") : t("community.ended");
  const parts = [what, result, setupText(game.players, game.setup)];
  if (extra) parts.push(extra);
  if (game.rated) parts.push(t("community.rated"));
  const line = el("li", {}, parts.join(" · "));
  if (game.replay) line.append(" ", el("a", { href: game.replay, text: t("community.replay") }));
  return line;
}

function ratingCells(rating) {
  return [
    el("td", { text: rating.ordinal.toFixed(1) }),
    el("td", { text: rating.mu.toFixed(1) + " ± " + rating.sigma.toFixed(1) }),
    el("td", { text: String(rating.games) }),
    el("td", { text: String(rating.wins) }),
  ];
}

function table(head, rows) {
  return el(
    "table",
    { class: "ladder" },
    el("thead", {}, el("tr", {}, head.map((key) => el("th", { scope: "col", text: t(key) })))),
    el("tbody", {}, rows),
  );
}

const RATING_HEAD = ["community.rating", "community.skill", "community.games", "community.wins"];

function renderProfile(profile) {
  const body = $("#profile-body");
  const stats = profile.stats;
  const sides = ["good", "evil"].map((side) => {
    const entry = stats.by_side[side];
    return el("li", { text: t("community.bySide", { side: alignmentText(side), games: entry.games, wins: entry.wins }) });
  });
  const roles = Object.entries(stats.by_role).map(([role, entry]) =>
    el("li", { text: t("community.byRole", { role: roleLabel(role), games: entry.games, wins: entry.wins }) }),
  );
  const ratings = ["overall", "good", "evil"].map((kind) =>
    el("tr", {}, el("th", { scope: "row", text: t("community.kind." + kind) }), ratingCells(profile.ratings[kind])),
  );
  const games = profile.last_games.map((game) => {
    const change = game.rating_change === null ? "" : (game.rating_change >= 0 ? "+" : "") + game.rating_change.toFixed(1);
    const seat = t(game.won ? "community.wonAs" : "community.lostAs", { role: roleLabel(game.role) });
    return gameLine(game, change ? seat + " " + change : seat);
  });
  $("#profile-title").textContent = profile.name;
  put(
    body,
    el("p", { class: "lead", text: t("community.totals", { games: stats.games, wins: stats.wins, rated: stats.rated_games }) }),
    el("h2", { text: t("community.ratings") }),
    table(["community.kind", ...RATING_HEAD], ratings),
    el("h2", { text: t("community.sides") }),
    el("ul", {}, sides),
    el("h2", { text: t("community.roles") }),
    el("ul", {}, roles),
    el("p", { text: t("community.mostPlayed", { roles: stats.most_played.map((r) => roleLabel(r.role)).join(", ") || "–" }) }),
    el("h2", { text: t("community.lastGames") }),
    games.length ? el("ol", { class: "played" }, games) : el("p", { class: "hint", text: t("community.noGames") }),
  );
}

function memberName(member) {
  return member.public ? el("a", { href: "/players/" + member.account_id, text: member.name }) : member.name;
}

function renderGroup(group) {
  $("#group-title").textContent = group.name;
  const members = new Map(group.members.map((m) => [m.account_id, m]));
  const ladder = group.ladder.map((row, index) =>
    el(
      "tr",
      {},
      el("td", { text: String(index + 1) }),
      el("th", { scope: "row" }, memberName(members.get(row.account_id) || row)),
      ratingCells(row),
    ),
  );
  const setups = group.stats.by_setup.map((entry) =>
    el("li", { text: t("community.goodRate", { setup: setupText(entry.players, entry.roles), rate: percent(entry.good_wins, entry.games), games: entry.games }) }),
  );
  put(
    $("#group-body"),
    el("p", { class: "lead", text: plural("community.members", group.members.length) }),
    el("h2", { text: t("community.ladder") }),
    table(["community.rank", "community.player", ...RATING_HEAD], ladder),
    el("h2", { text: t("community.setups") }),
    setups.length ? el("ul", {}, setups) : el("p", { class: "hint", text: t("community.noGames") }),
    el("p", { text: t("community.mostPlayed", { roles: group.stats.most_played.map((r) => roleLabel(r.role)).join(", ") || "–" }) }),
    el("h2", { text: t("community.groupGames") }),
    group.games.length ? el("ol", { class: "played" }, group.games.map((game) => gameLine(game))) : null,
  );
}

function renderLeaderboard(board) {
  const rows = board.players.map((row) =>
    el(
      "tr",
      {},
      el("td", { text: String(row.rank) }),
      el("th", { scope: "row" }, el("a", { href: "/players/" + row.account_id, text: row.name })),
      ratingCells(row),
    ),
  );
  const pager = el("p", { class: "pager" });
  if (board.page > 1) pager.append(el("a", { href: "/leaderboard?page=" + (board.page - 1), text: t("community.previous") }), " ");
  pager.append(t("community.page", { page: board.page, pages: board.pages }));
  if (board.page < board.pages) pager.append(" ", el("a", { href: "/leaderboard?page=" + (board.page + 1), text: t("community.next") }));
  put(
    $("#leaderboard-body"),
    rows.length ? table(["community.rank", "community.player", ...RATING_HEAD], rows) : el("p", { class: "hint", text: t("community.emptyBoard") }),
    pager,
  );
}

async function show(view, path, draw) {
  showView(view);
  const body = $("#" + view + "-body");
  put(body, el("p", { class: "hint", text: t("community.loading") }));
  try {
    draw(await api("GET", path));
  } catch (err) {
    put(body, el("p", { class: "form-error", text: err.message }));
  }
}

/** Show the accounts' page at this path; false when the path is none of theirs. */
export function showCommunityPage(pathname) {
  const profile = pathname.match(PROFILE_PATH);
  const group = pathname.match(GROUP_PATH);
  if (profile) {
    document.title = t("community.profileTitle");
    show("profile", "/api/players/" + profile[1], renderProfile);
  } else if (group) {
    document.title = t("community.groupTitle");
    show("group", "/api/groups/" + group[1], renderGroup);
  } else if (LEADERBOARD_PATH.test(pathname)) {
    document.title = t("community.leaderboard");
    const page = Number(new URLSearchParams(location.search).get("page")) || 1;
    show("leaderboard", "/api/leaderboard?page=" + page, renderLeaderboard);
  } else {
    return false;
  }
  return true;
}
