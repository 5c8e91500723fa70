"""Specialties are an open vocabulary: a provincial list naming one outside the known list imports every
row and keeps the value as written; administrators see such values and merge them; a lawyer's own form
keeps them."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from participants import importing
from participants.models import ImportJob, Participant, SpecialtyMerge
from participants.services import specialties
from tests.factories import ParticipantFactory, ProgramFactory
from tests.forms import find_form, served_forms

from .support import HEADER_ZH, csv_bytes, submit, upload

CUSTOMS_IP = "知识产权海关保护"  # IP customs protection: named by real lists, not in our list


@pytest.fixture
def program():
    return ProgramFactory(slug="fipr-test")


def _row(n: int, specialty: str) -> str:
    return f"律师{n},,男,144012018{n:08d},某所,广东,深圳,,l{n}@example.cn,5,{specialty},"


@pytest.mark.django_db
def test_a_real_sized_list_naming_an_unknown_specialty_imports_every_row_and_keeps_it(administrator_client, program):
    # A third of the rows name the specialty outside our list (which refused each of them before),
    # written the ways lists write it: alone, with known ones, full-width, with stray spaces.
    variants = [CUSTOMS_IP, f"专利、{CUSTOMS_IP}", f" {CUSTOMS_IP} ；商标", f"Patents/{CUSTOMS_IP}"]
    lines = [HEADER_ZH] + [_row(n, variants[n // 3 % 4] if n % 3 == 0 else "专利") for n in range(300)]
    response = upload(administrator_client, program, csv_bytes(lines, "gbk"), "广东省名单.csv")
    job = ImportJob.objects.get()
    page = administrator_client.get(response["Location"])
    assert (job.total_rows, job.valid_rows, job.problems) == (300, 300, [])
    assert job.new_specialties == [{"value": CUSTOMS_IP, "rows": 100}]
    assert "保留原文" in page.text and CUSTOMS_IP in page.text  # noted as information, not as a problem

    submit(administrator_client, page, button="导入")
    job.refresh_from_db()
    assert (job.state, job.created, job.skipped) == ("done", 300, 0)
    held = {p.license_number: p.specialties for p in Participant.objects.all()}
    assert held["14401201800000000"] == [CUSTOMS_IP]
    assert held["14401201800000003"] == ["patents", CUSTOMS_IP]
    assert held["14401201800000006"] == [CUSTOMS_IP, "trademarks"]
    assert held["14401201800000009"] == ["patents", CUSTOMS_IP]
    assert held["14401201800000001"] == ["patents"]
    assert sum(CUSTOMS_IP in values for values in held.values()) == 100


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("专利", ["patents"]),
        ("PATENTS", ["patents"]),
        ("Trade secrets", ["trade_secrets"]),  # the English label
        ("trade_secrets", ["trade_secrets"]),  # the code
        ("商业秘密, 版权", ["trade_secrets", "copyright"]),  # the Chinese label and an alias
        ("海关保护", ["customs"]),
        ("专利、专利、Patents", ["patents"]),  # said three times, kept once
        ("ＩＰ　Ｃｕｓｔｏｍｓ", ["IP Customs"]),  # full-width letters and space, made half-width
        ("知识产权\u200b海关保护", [CUSTOMS_IP]),  # a zero-width space from a word processor
        ("知识产权\x01海关保护", [CUSTOMS_IP]),  # a control character
        ("R&D 'licensing' (涉外)", ["R&D 'licensing' (涉外)"]),  # punctuation is part of a name
        ("ip customs、IP Customs", ["ip customs"]),  # the same value in two cases, kept once as first written
    ],
)
def test_known_specialties_are_recognised_by_any_name_and_others_kept_as_written(program, written, stored):
    report = importing.parse(csv_bytes([HEADER_ZH, _row(1, f'"{written}"')]), "list.csv", program)
    assert report.all_valid, [str(p) for p in report.rows[0].errors]
    assert report.rows[0].values["specialties"] == stored


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("知" * 61, "specialty_too_long"),
        ("<script>alert(1)</script>", "specialty_not_text"),
        ("<b>专利</b>", "specialty_not_text"),
        ("=cmd|' /c calc'!A0", "specialty_not_text"),  # split at | and /, and "=cmd" is a formula
        ("@SUM(A1)", "specialty_not_text"),
        ("+知识产权", "specialty_not_text"),
        ("-知识产权", "specialty_not_text"),
        ("专利 ✓", "specialty_not_text"),  # a symbol, not a name
        ("、".join(f"领域{n}" for n in range(21)), "specialties_too_many"),
    ],
)
def test_hostile_specialties_refuse_their_row_with_a_message_and_the_other_rows_import(program, written, code):
    lines = [HEADER_ZH, _row(1, f'"{written}"'), _row(2, CUSTOMS_IP)]
    report = importing.parse(csv_bytes(lines), "list.csv", program)
    (bad,) = report.invalid_rows
    assert bad.number == 2
    assert [(p.column, p.code) for p in bad.errors] == [("专业领域", code)]
    assert bad.errors[0].message  # rendered, naming the value or the limit
    outcome = importing.apply(report=report, program=program, by=None, source="list.csv", only_valid=True)
    assert (outcome.created, outcome.skipped) == (1, 1)
    assert Participant.objects.get().specialties == [CUSTOMS_IP]


def test_nul_and_other_invisible_characters_never_reach_the_database():
    assert specialties.resolve("知识\x00产权\x7f海关\ufeff保护") == CUSTOMS_IP
    assert specialties.resolve("\x00\u200b") == ""  # nothing left: no specialty at all
    assert specialties.resolve("知识产权\t海关  保护") == "知识产权 海关 保护"


@pytest.mark.django_db
def test_the_import_page_lists_the_known_specialties_their_names_and_aliases(administrator_client, program):
    page = administrator_client.get(reverse("participants:import_upload", args=[program.slug]))
    known = {item.code: item for item in page.context["specialties"]}
    assert set(known) == {"patents", "trademarks", "copyright", "trade_secrets", "unfair_competition", "licensing",
                          "customs", "arbitration"}  # fmt: skip
    assert (known["patents"].name_zh, known["patents"].name_en, known["patents"].aliases) == (
        "专利",
        "Patents",
        ["专利"],
    )
    assert known["copyright"].aliases == ["著作权", "版权"]
    for item in known.values():
        assert item.name_zh in page.text and item.name_en in page.text
        assert all(alias in page.text for alias in item.aliases)
    assert reverse("participants:specialties") in page.text


# --- the administrators' page: values in use, and merging ---------------------------------------------
@pytest.fixture
def carriers(db):
    return {
        "both": ParticipantFactory(specialties=["patents", CUSTOMS_IP]),
        "twice": ParticipantFactory(specialties=[CUSTOMS_IP, "customs"]),  # merging into customs: once
        "known": ParticipantFactory(specialties=["customs"]),
        "alike": ParticipantFactory(specialties=[f"{CUSTOMS_IP}X", "R&D <2>"]),  # a different value
        "other": ParticipantFactory(specialties=["海关知识产权保护"]),
        "none": ParticipantFactory(specialties=[]),
    }


@pytest.mark.django_db
def test_the_page_lists_each_value_outside_the_known_ones_with_how_many_lawyers_carry_it(
    administrator_client, carriers
):
    page = administrator_client.get(reverse("participants:specialties"))
    listed = [(item.value, item.lawyers) for item in page.context["in_use"]]
    assert listed[0] == (CUSTOMS_IP, 2)  # the most carried first
    assert set(listed[1:]) == {("R&D <2>", 1), (f"{CUSTOMS_IP}X", 1), ("海关知识产权保护", 1)}
    assert "R&amp;D &lt;2&gt;" in page.text and "R&D <2>" not in page.text  # shown as written, escaped


@pytest.mark.django_db
def test_merging_rewrites_every_carrier_and_only_them_and_is_recorded(administrator_client, administrator, carriers):
    untouched = {
        name: (p.specialties, p.updated_at)
        for name, p in carriers.items()
        if name in ("known", "alike", "other", "none")
    }
    url = reverse("participants:specialties")
    page = administrator_client.get(url)
    forms = [f for f in served_forms(page.text) if f.values().get("value") == [CUSTOMS_IP]]
    assert len(forms) == 1 and [button.label for button in forms[0].buttons()] == ["合并"]
    merged = forms[0].fill(into="customs").submit(administrator_client, url)
    answer = administrator_client.get(merged["Location"])
    assert "2名律师" in answer.text

    held = {name: Participant.objects.get(pk=p.pk).specialties for name, p in carriers.items()}
    assert held["both"] == ["patents", "customs"]
    assert held["twice"] == ["customs"]
    for name, (specialties_before, updated_before) in untouched.items():
        lawyer = Participant.objects.get(pk=carriers[name].pk)
        assert (lawyer.specialties, lawyer.updated_at) == (specialties_before, updated_before)
    merge = SpecialtyMerge.objects.get()
    assert (merge.value, merge.into, merge.lawyers, merge.merged_by) == (CUSTOMS_IP, "customs", 2, administrator)
    after = administrator_client.get(url)
    assert CUSTOMS_IP not in [item.value for item in after.context["in_use"]]
    assert "海关与边境措施" in after.text  # the merge, listed with its target's label

    # into another value in use, as the page offers it
    (form,) = [f for f in served_forms(after.text) if f.values().get("value") == ["海关知识产权保护"]]
    form.fill(into=f"{CUSTOMS_IP}X").submit(administrator_client, url)
    assert Participant.objects.get(pk=carriers["other"].pk).specialties == [f"{CUSTOMS_IP}X"]
    assert Participant.objects.get(pk=carriers["alike"].pk).specialties == [f"{CUSTOMS_IP}X", "R&D <2>"]


@pytest.mark.django_db
def test_a_merge_sent_twice_or_into_itself_changes_nothing_and_says_why(administrator_client, carriers):
    url = reverse("participants:specialties")
    page = administrator_client.get(url)
    (form,) = [f for f in served_forms(page.text) if f.values().get("value") == [CUSTOMS_IP]]
    form.fill(into="patents").submit(administrator_client, url)
    again = administrator_client.get(form.submit(administrator_client, url)["Location"])  # a double click
    assert "已没有律师使用" in again.text
    assert SpecialtyMerge.objects.count() == 1
    assert Participant.objects.get(pk=carriers["both"].pk).specialties == ["patents"]

    before = list(Participant.objects.order_by("pk").values_list("specialties", flat=True))
    for posted in ({"value": "海关知识产权保护", "into": into} for into in ("海关知识产权保护", "", "<b>x</b>")):
        answer = administrator_client.post(url, posted, follow=True)
        assert "alert-danger" in answer.text
    assert "alert-danger" in administrator_client.post(url, {}, follow=True).text  # nothing sent at all
    assert list(Participant.objects.order_by("pk").values_list("specialties", flat=True)) == before
    assert SpecialtyMerge.objects.count() == 1


@pytest.mark.django_db
def test_known_values_cannot_be_merged_away(administrator, carriers):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        specialties.specialty_merge(value="customs", into="patents", by=administrator)
    assert Participant.objects.get(pk=carriers["known"].pk).specialties == ["customs"]


# --- the lawyer's own forms keep what they have -------------------------------------------------------
@pytest.fixture
def imported_lawyer(lawyer):
    return ParticipantFactory(user=lawyer, specialties=["patents", CUSTOMS_IP])


@pytest.mark.django_db
def test_saving_the_contact_form_as_served_keeps_a_specialty_from_the_list(lawyer_client, imported_lawyer):
    url = reverse("participants:my_profile")
    page = lawyer_client.get(url)
    assert CUSTOMS_IP in page.text
    submit(lawyer_client, page, button="保存")
    imported_lawyer.refresh_from_db()
    assert imported_lawyer.specialties == ["patents", CUSTOMS_IP]

    form = find_form(lawyer_client.get(url).text, button="保存")
    form.fill(specialties=["patents", "customs"]).submit(lawyer_client, url)  # unticked, and one ticked
    imported_lawyer.refresh_from_db()
    assert imported_lawyer.specialties == ["patents", "customs"]
    assert CUSTOMS_IP not in lawyer_client.get(url).text  # gone once unticked, not offered to others


@pytest.mark.django_db
def test_a_lawyer_cannot_add_a_value_outside_the_known_ones_through_the_form(lawyer_client, imported_lawyer):
    url = reverse("participants:my_profile")
    form = find_form(lawyer_client.get(url).text, button="保存")
    answer = lawyer_client.post(url, {**form.values(), "specialties": ["patents", CUSTOMS_IP, "占星"]})  # forged
    assert "specialties" in answer.context["form"].errors
    imported_lawyer.refresh_from_db()
    assert imported_lawyer.specialties == ["patents", CUSTOMS_IP]


@pytest.mark.django_db
def test_the_administrators_lawyer_form_keeps_it_too(administrator_client, imported_lawyer):
    url = reverse("participants:lawyer_edit", args=[imported_lawyer.pk])
    submit(administrator_client, administrator_client.get(url), button="保存")
    imported_lawyer.refresh_from_db()
    assert imported_lawyer.specialties == ["patents", CUSTOMS_IP]


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "known"), [("zh-hans", "专利"), ("en", "Patents")])
def test_known_specialties_show_in_the_readers_language_and_others_as_written(
    lawyer_client, imported_lawyer, language, known
):
    lawyer_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = lawyer_client.get(reverse("participants:my_profile"))
    assert known in page.text and CUSTOMS_IP in page.text
    with translation.override(language):
        assert imported_lawyer.specialty_labels() == [known, CUSTOMS_IP]
        assert [specialties.label(value) for value in imported_lawyer.specialties] == [known, CUSTOMS_IP]
