"""The team builder: a session's lawyers into its cases' teams, balanced, as plain data (services.py reads and
writes the rows around it).

Rules, in the order they weigh:
1. a case heard in English gets lawyers who speak English;
2. no two lawyers of one firm on opposing sides of a case;
3. none in the same team, where it can be avoided;
4. provinces spread, specialties spread, years of practice even between teams;
and, above them all, teams as even in size as the lawyers allow (sides too): a team's size is fixed before
anyone is placed, so no rule can grow one team at another's expense.

Lawyers are placed one at a time, the hardest to place first (those without English, while a case needs it;
then the most experienced), each where it costs least; then each lawyer placed against rule 1, 2 or 3 is swapped
with another if that lowers the cost of both places; then the years are evened out, the team furthest from the
mean swapping with one on the other side of it (a swap that breaks no rule and crowds no province). Locked places
stay, and count. Ties are broken by a random order drawn from `seed`: the same seed and lawyers give the same
teams. Each team's running counts (firms, provinces, specialties, years) make a placement's cost a few look-ups:
3,000 lawyers in 40 teams take well under a second (`make bench`).
"""

from __future__ import annotations

import bisect
import random
from collections import Counter
from dataclasses import dataclass, field

LANGUAGE, FIRM_ACROSS, FIRM_WITHIN = "language", "firm_across", "firm_within"
_WEIGHT = {LANGUAGE: 1000.0, FIRM_ACROSS: 500.0, FIRM_WITHIN: 100.0}
_PROVINCE, _SPECIALTY, _YEARS, _FILL = 10.0, 3.0, 0.5, 1.0
SMALL_TEAM = 16  # balancing tries every lawyer of a team this small against each of the other team's
TRIED = 200  # balancing checks the rules of at most this many of a team's best swaps


@dataclass(frozen=True, eq=False)  # one lawyer is one object: a team's list finds and removes it by identity
class Lawyer:
    pk: int
    years: int
    firm: str
    province: int
    specialties: frozenset[str]
    english: bool


@dataclass
class Slot:
    """A team to fill: its key (case id, side, number), its case's and side's (the opposing side is `rival`),
    whether its case is heard in English, and how many it is to hold."""

    key: tuple
    english: bool
    size: int = 0
    members: list[Lawyer] = field(default_factory=list)
    firms: Counter = field(default_factory=Counter)
    provinces: Counter = field(default_factory=Counter)
    specialties: Counter = field(default_factory=Counter)
    years: int = 0
    rival: Counter | None = None  # the firms of the opposing side of the same case (shared by its teams)
    side_firms: Counter | None = None  # the firms of this side of the case (the rival of the other side)

    def add(self, lawyer: Lawyer) -> None:
        self.members.append(lawyer)
        self._count(lawyer, 1)

    def remove(self, lawyer: Lawyer) -> None:
        self.members.remove(lawyer)
        self._count(lawyer, -1)

    def _count(self, lawyer: Lawyer, step: int) -> None:
        if lawyer.firm:
            self.firms[lawyer.firm] += step
            if self.side_firms is not None:
                self.side_firms[lawyer.firm] += step
        self.provinces[lawyer.province] += step
        for specialty in lawyer.specialties:
            self.specialties[specialty] += step
        self.years += step * lawyer.years


def broken(lawyer: Lawyer, slot: Slot, *, placed: bool = True) -> list[str]:
    """The rules (LANGUAGE, FIRM_ACROSS, FIRM_WITHIN) the lawyer breaks in the slot (`placed`: counted in it)."""
    rules = []
    if slot.english and not lawyer.english:
        rules.append(LANGUAGE)
    if lawyer.firm:
        if slot.rival is not None and slot.rival[lawyer.firm]:
            rules.append(FIRM_ACROSS)
        if slot.firms[lawyer.firm] - (1 if placed else 0) > 0:
            rules.append(FIRM_WITHIN)
    return rules


def _rules_weight(lawyer: Lawyer, slot: Slot, *, placed: bool) -> float:
    return sum(_WEIGHT[rule] for rule in broken(lawyer, slot, placed=placed))


def _cost(lawyer: Lawyer, slot: Slot, mean_years: float, *, placed: bool = False) -> float:
    """What placing the lawyer in the slot costs (`placed`: the lawyer is counted in it already)."""
    own = 1 if placed else 0
    cost = _rules_weight(lawyer, slot, placed=placed)
    cost += _PROVINCE * (slot.provinces[lawyer.province] - own)
    cost += _SPECIALTY * sum(slot.specialties[s] - own for s in lawyer.specialties)
    others = len(slot.members) - own
    cost += _YEARS * abs((slot.years - own * lawyer.years + lawyer.years) / (others + 1) - mean_years)
    return cost + _FILL * others / max(slot.size, 1)


def plan_sizes(slots: list[Slot], count: int) -> None:
    """Each slot's size: `count` lawyers dealt as evenly as they go, the slots in the order given (the callers
    interleave sides, so that the sides differ by one at most)."""
    if not slots:
        return
    each, extra = divmod(count, len(slots))
    for n, slot in enumerate(slots):
        slot.size = each + (1 if n < extra else 0)


def build(lawyers: list[Lawyer], slots: list[Slot], *, locked: dict[int, tuple] | None = None, seed: int = 0):
    """Place every lawyer in a slot (their own if `locked` names it: lawyer id → slot key). The slots' sizes are
    planned here for everyone; the slots come back filled, in their order."""
    locked = locked or {}
    chance = random.Random(seed)  # noqa: S311 - a reproducible draw, not a secret
    by_key = {slot.key: slot for slot in slots}
    plan_sizes(slots, len(lawyers))
    free = []
    for lawyer in lawyers:
        if lawyer.pk in locked and locked[lawyer.pk] in by_key:
            by_key[locked[lawyer.pk]].add(lawyer)
        else:
            free.append(lawyer)
    if not slots or not free:
        return slots
    mean_years = sum(lawyer.years for lawyer in lawyers) / len(lawyers)
    any_english = any(slot.english for slot in slots)
    chance.shuffle(free)
    # The hardest first: without English while a case asks for it; then the largest firms, a firm's lawyers
    # together (its second finds the first's side still open); the years are evened out afterwards.
    firms = Counter(lawyer.firm for lawyer in free if lawyer.firm)
    free.sort(key=lambda lawyer: (any_english and lawyer.english, -firms[lawyer.firm], lawyer.firm, -lawyer.years))
    for lawyer in free:
        open_slots = [slot for slot in slots if len(slot.members) < slot.size]
        if not open_slots:  # locked places filled some past their size: the emptiest take the rest
            fewest = min(len(slot.members) for slot in slots)
            open_slots = [slot for slot in slots if len(slot.members) == fewest]
        best = min(open_slots, key=lambda slot: (_cost(lawyer, slot, mean_years), chance.random()))
        best.add(lawyer)
    movable = {lawyer.pk for lawyer in free}
    _improve(slots, movable, mean_years)
    _balance(slots, movable)
    return slots


def _fit(lawyer: Lawyer, slot: Slot, *, placed: bool) -> float:
    """What balancing must not make worse: the rules a place breaks, and a third lawyer of one province in a team."""
    own = 1 if placed else 0
    crowd = max(0, slot.provinces[lawyer.province] - own - 1)
    return _rules_weight(lawyer, slot, placed=placed) + _PROVINCE * crowd


def _balance(slots: list[Slot], movable: set[int]) -> None:
    """Even out the years of practice: take the team furthest from the mean, and swap one of its lawyers with one of
    a team on the other side of the mean, the swap that brings the two closest to it while breaking no rule and
    crowding no province more than before; again, a few times a team, until no swap helps."""
    filled = [slot for slot in slots if slot.members]
    if len(filled) < 2:
        return
    mean = sum(slot.years for slot in filled) / sum(len(slot.members) for slot in filled)

    def off(slot: Slot, years: int) -> float:  # how far a team's mean would be from everyone's
        return (years / len(slot.members) - mean) ** 2

    stuck: set[tuple] = set()  # teams with no swap left that helps (until another swap changes them)
    for _round in range(4 * len(filled)):
        worst = max(
            (slot for slot in filled if slot.key not in stuck), key=lambda slot: off(slot, slot.years), default=None
        )
        if worst is None:
            return
        swap = _best_balancing_swap(worst, filled, movable, mean, off)
        if swap is None:
            stuck.add(worst.key)
            continue
        a, b, other = swap
        worst.remove(a)
        other.remove(b)
        worst.add(b)
        other.add(a)
        stuck.clear()


def _best_balancing_swap(worst: Slot, filled: list[Slot], movable: set[int], mean: float, off):
    """The swap of one of `worst`'s lawyers with one of a team on the other side of the mean that brings both
    nearest it, among those that keep the rules (checked from the best down: the first that fits)."""
    above = worst.years / len(worst.members) > mean
    others = [slot for slot in filled if (slot.years / len(slot.members) > mean) != above]
    candidates = []
    n_w = len(worst.members)
    for other in others:
        n_o = len(other.members)
        base = off(worst, worst.years) + off(other, other.years)
        # The shift of years (a's less b's) that would bring both nearest the mean; then, for each of the team's
        # lawyers, only the few of the other team whose years come closest to it (all of a small team).
        ideal = ((worst.years / n_w - mean) / n_w - (other.years / n_o - mean) / n_o) / (n_w**-2 + n_o**-2)
        ranked = sorted((b for b in other.members if b.pk in movable), key=lambda b: b.years)
        years = [b.years for b in ranked]
        for a in worst.members:
            if a.pk not in movable:
                continue
            at = bisect.bisect_left(years, a.years - ideal)
            for b in ranked if len(ranked) <= SMALL_TEAM else ranked[max(0, at - 2) : at + 2]:
                shift = a.years - b.years
                better = base - off(worst, worst.years - shift) - off(other, other.years + shift)
                if better > 1e-9:
                    candidates.append((better, a.pk, b.pk, a, b, other))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    tried = candidates[:TRIED]  # the best few: past them a team whose swaps all break a rule is left as it is
    return next(((a, b, other) for _g, _a, _b, a, b, other in tried if _fits_swapped(a, worst, b, other)), None)


def _fits_swapped(a: Lawyer, slot_a: Slot, b: Lawyer, slot_b: Slot) -> bool:
    before = _fit(a, slot_a, placed=True) + _fit(b, slot_b, placed=True)
    slot_a.remove(a)
    slot_b.remove(b)
    after = _fit(a, slot_b, placed=False) + _fit(b, slot_a, placed=False)
    slot_a.add(a)
    slot_b.add(b)
    return after <= before


def _improve(slots: list[Slot], movable: set[int], mean_years: float, rounds: int = 2) -> None:
    """Swap each movable lawyer breaking a rule with the movable lawyer elsewhere whose swap lowers the cost of
    both places the most; a few rounds, until none helps."""
    for _round in range(rounds):
        swapped = False
        for slot in slots:
            for lawyer in list(slot.members):
                if lawyer.pk not in movable or not broken(lawyer, slot):
                    continue
                swap = _best_swap(lawyer, slot, slots, movable, mean_years)
                if swap is not None:
                    other, other_slot = swap
                    slot.remove(lawyer)
                    other_slot.remove(other)
                    slot.add(other)
                    other_slot.add(lawyer)
                    swapped = True
        if not swapped:
            return


def _best_swap(lawyer: Lawyer, slot: Slot, slots: list[Slot], movable: set[int], mean_years: float):
    """The swap that lowers the cost of both places the most, among the teams where the lawyer would break less
    (none, when every team is alike to them: one firm's lawyers everywhere, no one speaking English)."""
    best, gain = None, 0.0
    weight = _rules_weight(lawyer, slot, placed=True)
    for other_slot in slots:
        if other_slot is slot or _rules_weight(lawyer, other_slot, placed=False) >= weight:
            continue
        for other in other_slot.members:
            if other.pk not in movable or (other.firm, other.english) == (lawyer.firm, lawyer.english):
                continue  # a swap of two alike to the rules changes no rule broken
            before = _cost(lawyer, slot, mean_years, placed=True) + _cost(other, other_slot, mean_years, placed=True)
            slot.remove(lawyer)
            other_slot.remove(other)
            after = _cost(lawyer, other_slot, mean_years) + _cost(other, slot, mean_years)
            slot.add(lawyer)
            other_slot.add(other)
            if before - after > gain + 1e-9:
                best, gain = (other, other_slot), before - after
    return best
