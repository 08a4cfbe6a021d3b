"""The computer player's moves for the cards and table options (ROLES.md section 3).

Like `normal.py`, these read only the seat's own view: the suspicion scores and the players
it knows to be evil are computed there and passed in. Good bots use a card to learn or to
stop a team they doubt; evil bots to shield a teammate or spoil a clean team.
"""

from __future__ import annotations

import random
from typing import Any

Move = tuple[str, dict[str, Any]]
DOUBT = 0.3  # as normal.DOUBT: a team member this suspicious is not trusted


def is_evil(view: dict[str, Any]) -> bool:
    """Tell whether the viewer is on the evil side."""
    return bool(view["you"]) and view["you"]["alignment"] == "evil"


def sword_holder(view: dict[str, Any], me: int, team: list[int], evil: set[int]) -> int:
    """Whom the leader hands Excalibur: evil a teammate on the team, good one it trusts."""
    others = [pid for pid in team if pid != me]
    mates = [pid for pid in others if pid in evil] if is_evil(view) else []
    trusted = [pid for pid in others if pid not in evil]
    return (mates or trusted or others)[0]


def may_vote(view: dict[str, Any], me: int) -> bool:
    """Tell whether this seat may vote now: an Opinion Maker who has not voted goes first."""
    plot = view.get("plot")
    if plot is None:
        return True
    makers = [
        int(pid)
        for pid, hand in plot["held"].items()
        if any(c["card"] == "opinion_maker" for c in hand)
    ]
    waiting = [pid for pid in makers if pid not in view["voted"]]
    return not waiting or me in waiting


def excalibur(
    view: dict[str, Any], me: int, score: dict[int, float], evil: set[int], rng: random.Random
) -> Move:
    """Turn over a doubted member's card (good), or a trusted one's now and then (evil)."""
    others = [pid for pid in view["team"] or [] if pid != me]
    if is_evil(view):
        honest = [pid for pid in others if pid not in evil]
        target = rng.choice(honest) if honest and rng.random() < 0.5 else None
        return "use_excalibur", {"target": target}
    doubted = [pid for pid in others if pid in evil or score[pid] >= DOUBT]
    target = max(doubted, key=lambda pid: score[pid]) if doubted else None
    return "use_excalibur", {"target": target}


def announce(view: dict[str, Any], me: int, evil: set[int], rng: random.Random) -> Move:
    """Claim what the Lady showed; evil shields a teammate and sometimes frames the good."""
    check = view["lady_results"][-1]
    truth = check["alignment"]
    if is_evil(view):
        if check["target"] in evil:
            return "announce_loyalty", {"claim": "good"}
        return "announce_loyalty", {"claim": "evil" if rng.random() < 0.3 else truth}
    return "announce_loyalty", {"claim": truth}


def chain(view: dict[str, Any], me: int, score: dict[int, float], rng: random.Random) -> Move:
    """Name the Sire's or the Ref's next holder: the most suspicious eligible player."""
    phase = view["phase"]
    eligible = [pid for pid in view["players"] if pid not in view[phase]["ineligible"]]
    rng.shuffle(eligible)
    target = max(eligible, key=lambda pid: score[pid])
    return ("sire_of_the_sea" if phase == "sire" else "ref_of_the_rain"), {"target": target}


def plot_targets(view: dict[str, Any], step: dict[str, Any]) -> list[int]:
    """The legal targets of a plot step, read from the view (as the rules state them)."""
    card, me, plot = step["card"], step["player"], view["plot"]
    players = view["players"]
    others = [pid for pid in players if pid != me]
    if card == "take_responsibility":
        return [c["card_id"] for pid, hand in plot["held"].items() if int(pid) != me for c in hand]
    if card == "overheard_conversation":
        seat = players.index(me)
        return [
            pid for pid in others if pid in (players[seat - 1], players[(seat + 1) % len(players)])
        ]
    if card in ("open_up", "establish_confidence"):
        return others
    if card == "in_the_spotlight":
        return list(view["team"] or [])
    if card == "keeping_close_eye":
        return [pid for pid in view["team"] or [] if pid != me and pid not in plot["looked"]]
    return []


def plot(
    view: dict[str, Any], me: int, score: dict[int, float], evil: set[int], rng: random.Random
) -> Move:
    """The plot step at hand: give, use at once, or play or keep a usable card."""
    step = view["plot"]["queue"][0]
    card_id, card = step["card_id"], step["card"]
    targets = plot_targets(view, step)
    others = [pid for pid in view["players"] if pid != me]
    rng.shuffle(others)
    team = set(view["team"] or [])
    if step["step"] == "give":
        mates = [pid for pid in others if pid in evil] if is_evil(view) else []
        receiver = mates[0] if mates else min(others, key=lambda pid: score[pid])
        return "give_plot_card", {"card_id": card_id, "player": receiver}
    if card in ("overheard_conversation", "open_up", "establish_confidence"):
        return "loyalty_check", {"target": max(targets, key=lambda pid: score[pid])}
    play = False
    if card == "no_confidence":
        play = (
            bool(team & evil)
            if not is_evil(view)
            else not team & (evil | {me}) and rng.random() < 0.5
        )
    elif card in ("strong_leader", "take_responsibility"):
        play = card == "take_responsibility" or rng.random() < 0.3
    elif card in ("in_the_spotlight", "keeping_close_eye"):
        play = bool(targets) and not is_evil(view)
    if not play:
        if step["step"] == "use":  # Take Responsibility is played on receipt
            return "play_plot_card", {"card_id": card_id, "target": rng.choice(targets)}
        return "skip_plot_card", {"card_id": card_id}
    payload: dict[str, Any] = {"card_id": card_id}
    if targets:
        payload["target"] = max(targets, key=lambda pid: score.get(pid, 0.0))
    return "play_plot_card", payload


def decide(
    view: dict[str, Any], me: int, score: dict[int, float], evil: set[int], rng: random.Random
) -> Move | None:
    """The move for a card's phase if the game waits on this seat, else None."""
    phase = view["phase"]
    if phase == "excalibur" and (view.get("excalibur") or {}).get("holder") == me:
        return excalibur(view, me, score, evil, rng)
    if phase == "lady_announce" and view["lady"]["checks"][-1]["holder"] == me:
        return announce(view, me, evil, rng)
    if phase in ("sire", "ref") and view[phase]["holder"] == me:
        return chain(view, me, score, rng)
    if phase == "plot" and view["plot"]["queue"][0]["player"] == me:
        return plot(view, me, score, evil, rng)
    return None
