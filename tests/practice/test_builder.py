"""The team builder as plain data: even sizes and sides, the rules it keeps where it can and names where it cannot,
locked places, and the same teams from the same seed."""

from __future__ import annotations

import random
from collections import Counter

from practice import builder
from practice.builder import FIRM_ACROSS, FIRM_WITHIN, LANGUAGE, Lawyer, Slot

SPECIALTIES = ["patents", "trademarks", "copyright", "trade_secrets", "licensing", "arbitration"]


def lawyers(count: int, *, seed: int = 1, firms: int = 60, english_share: float = 0.7) -> list[Lawyer]:
    chance = random.Random(seed)
    return [
        Lawyer(
            pk=n,
            years=chance.randint(1, 30),
            firm=f"firm-{chance.randrange(firms)}",
            province=chance.randrange(31),
            specialties=frozenset(chance.sample(SPECIALTIES, chance.randint(1, 2))),
            english=chance.random() < english_share,
        )
        for n in range(1, count + 1)
    ]


def mock_court(cases: int, teams: int, *, english: set[int] = frozenset()) -> list[Slot]:
    """The slots services._slots makes: for each case, its sides interleaved, their firms shared as rivals."""
    slots = []
    for case in range(cases):
        firms = {"c": Counter(), "r": Counter()}
        for number in range(1, teams + 1):
            for side, other in (("c", "r"), ("r", "c")):
                slots.append(Slot(key=(case, side, number), english=case in english, rival=firms[other],
                                  side_firms=firms[side]))  # fmt: skip
    return slots


def placed(slots) -> dict[int, tuple]:
    return {lawyer.pk: slot.key for slot in slots for lawyer in slot.members}


def broken_rules(slots) -> Counter:
    return Counter(rule for slot in slots for lawyer in slot.members for rule in builder.broken(lawyer, slot))


def test_300_lawyers_into_40_teams_even_in_size_sides_and_experience():
    slots = builder.build(lawyers(300), mock_court(cases=4, teams=5), seed=7)
    sizes = [len(slot.members) for slot in slots]
    assert len(slots) == 40 and sum(sizes) == 300 and max(sizes) - min(sizes) <= 1
    by_side = Counter()
    for slot in slots:
        by_side[(slot.key[0], slot.key[1])] += len(slot.members)
    for case in range(4):
        assert abs(by_side[(case, "c")] - by_side[(case, "r")]) <= 1
    # Experience evened out: every team's mean within a year of the whole's (1 to 30 years each).
    mean = sum(lawyer.years for lawyer in lawyers(300)) / 300
    assert all(abs(slot.years / len(slot.members) - mean) < 1 for slot in slots)
    # 60 firms of five lawyers over 40 teams: no firm on both sides of a case, none twice in a team.
    assert broken_rules(slots) == Counter()
    # Provinces spread: no team holds three lawyers of one province.
    assert all(max(slot.provinces.values()) <= 2 for slot in slots)


def test_the_same_seed_builds_the_same_teams_and_another_seed_others():
    first = placed(builder.build(lawyers(120), mock_court(2, 3), seed=42))
    again = placed(builder.build(lawyers(120), mock_court(2, 3), seed=42))
    other = placed(builder.build(lawyers(120), mock_court(2, 3), seed=43))
    assert first == again and first != other


def test_a_case_heard_in_english_gets_the_english_speakers_while_there_are_enough():
    people = lawyers(60, english_share=0.6)
    speakers = sum(lawyer.english for lawyer in people)
    slots = builder.build(people, mock_court(2, 2, english={0}), seed=3)
    english_places = sum(len(slot.members) for slot in slots if slot.english)
    assert english_places == 32 and 32 <= speakers < 60  # (60 in 8 teams: the first four, case 0's, hold 8)
    assert broken_rules(slots)[LANGUAGE] == 0
    # Too few speakers for the case: every place filled all the same, and each such place named.
    few = [
        Lawyer(pk=n, years=5, firm=f"f{n}", province=n, specialties=frozenset(), english=n <= 4) for n in range(1, 21)
    ]
    slots = builder.build(few, mock_court(1, 1, english={0}), seed=3)
    assert sum(len(slot.members) for slot in slots) == 20
    assert broken_rules(slots)[LANGUAGE] == 20 - 4


def test_a_firm_too_large_to_keep_apart_is_placed_and_named():
    # Ten lawyers of one firm in a mock court of two teams of five a side: it must cross.
    one_firm = [
        Lawyer(pk=n, years=n, firm="same", province=n, specialties=frozenset(), english=True) for n in range(1, 11)
    ]
    slots = builder.build(one_firm, mock_court(1, 1), seed=1)
    rules = broken_rules(slots)
    assert rules[FIRM_ACROSS] == 10 and rules[FIRM_WITHIN] == 10
    # Two of one firm among many: kept on one side, apart.
    pair = lawyers(40, firms=1000) + [Lawyer(pk=900 + n, years=9, firm="pair", province=1, specialties=frozenset(),
                                             english=True) for n in range(2)]  # fmt: skip
    slots = builder.build(pair, mock_court(1, 2), seed=5)
    assert broken_rules(slots) == Counter()


def test_locked_places_stay_and_count_toward_the_sizes():
    people = lawyers(50)
    locked = {1: (0, "c", 1), 2: (0, "c", 1), 3: (0, "r", 2)}
    slots = builder.build(people, mock_court(1, 2), locked=locked, seed=9)
    where = placed(slots)
    assert all(where[pk] == key for pk, key in locked.items())
    sizes = sorted(len(slot.members) for slot in slots)
    assert sizes == [12, 12, 13, 13]


def test_3000_lawyers_in_40_teams():
    """Bench-sized (make bench times it): here only that it completes with every rule kept."""
    slots = builder.build(lawyers(3000, firms=400), mock_court(cases=4, teams=5), seed=11)
    sizes = [len(slot.members) for slot in slots]
    assert sum(sizes) == 3000 and max(sizes) - min(sizes) <= 1


def test_lawyers_all_alike_to_the_rules_are_placed_at_once_and_every_broken_rule_named():
    alike = [Lawyer(pk=n, years=5, firm="one", province=1, specialties=frozenset(), english=False) for n in range(600)]
    slots = builder.build(alike, mock_court(2, 5, english={0}), seed=1)
    sizes = [len(slot.members) for slot in slots]
    assert sum(sizes) == 600 and max(sizes) == min(sizes) == 30
    rules = broken_rules(slots)
    assert rules[LANGUAGE] == 300 and rules[FIRM_ACROSS] == rules[FIRM_WITHIN] == 600
