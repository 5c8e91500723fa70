"""Who a lawyer is (names, gender, licence, law firm, province) changes only by the program office, with a
reason kept in the history: no form a lawyer can post changes it, whatever it is sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from participants.models import Admission, IdentityChange, Participant, Province, ProvinceQuota
from participants.services import quotas
from participants.services.profiles import IDENTITY_FIELDS
from sessions.models import ProgramStatus
from tests.factories import AdmissionFactory, ParticipantFactory, ProgramFactory
from tests.forms import served_forms
from tests.platform.access import expected, routes
from tests.platform.world import kwargs_for

# Every identity field, changed: what someone rewriting their identity would send.
FORGED = {
    "name_zh": "冒名顶替",
    "name_latin": "Someone Else",
    "gender": "male",
    "license_number": "11011201910099999",
    "law_firm": "冒名律师事务所",
}
REFUSED = {"login", "400", "403", "404", "410"}


def served_form(html: str, url: str) -> dict[str, list[str]]:
    """The values of the page's POST form that sends to `url` itself (empty when there is none)."""
    own = [form for form in served_forms(html) if form.method == "post" and form.action(url) == url]
    return own[0].values() if own else {}


def identity(participant: Participant) -> dict[str, object]:
    participant = Participant.objects.get(pk=participant.pk)
    return {field: getattr(participant, field) for field in IDENTITY_FIELDS}


def _body(response) -> bytes:
    # A file response holds its file open until it is read to the end.
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.django_db
def test_no_form_a_lawyer_can_post_changes_who_they_are(module_world):
    """Walks the URLconf: every URL the lawyer is not refused, posted with the page's own form (if it serves
    one) and every identity field changed, leaves their identity as it was."""
    lawyer = module_world.participant
    open_program = ProgramFactory(
        slug="next-cohort", status=ProgramStatus.PUBLISHED, enrolment_closes_at=timezone.now() + timedelta(days=20)
    )
    other_province = Province.objects.exclude(pk=lawyer.province_id).order_by("code").first()
    forged = {**FORGED, "province": str(other_province.pk), "city": "珠海"}  # the city: proof it was saved
    assert all(str(getattr(lawyer, field)) != str(value) for field, value in forged.items() if field != "province")
    before = identity(lawyer)
    posted = {}
    for route in routes():
        if route.is_admin or "@" in route.key or expected(route, "lawyer") in REFUSED:
            continue
        values = kwargs_for(module_world, route.key, set(route.arguments))
        if route.key == "participants:apply":  # the world's program has their application: apply to another
            values = {"slug": open_program.slug}
        url = reverse(route.name, kwargs=values)
        with transaction.atomic():
            client = module_world.client("lawyer")
            page = client.get(url)
            body = _body(page)
            html = body.decode() if page.get("Content-Type", "").startswith("text/html") else ""
            data = {**served_form(html, url), **{field: [value] for field, value in forged.items()}}
            response = client.post(url, data)
            _body(response)
            posted[route.key] = (response.status_code, Participant.objects.get(pk=lawyer.pk).city)
            assert identity(lawyer) == before, f"POST {url} ({route.key}) changed the lawyer's identity"
            if route.key == "participants:apply":
                assert Admission.objects.filter(participant=lawyer, program=open_program).exists()
            transaction.set_rollback(True)
    # The forms that take a lawyer's details took them (valid, saved), only the contact part.
    assert posted["participants:my_profile"] == (302, "珠海")
    assert posted["participants:apply"] == (302, "珠海")
    assert len(posted) > 20  # the walk reached the lawyer's URLs, not a handful


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_an_admitted_lawyer_applies_to_another_program_with_identity_read_only(lawyer_client, lawyer):
    participant = ParticipantFactory(user=lawyer, name_zh="李明", name_latin="Li Ming", city="深圳")
    program = ProgramFactory(slug="fipr-2027", enrolment_closes_at=timezone.now() + timedelta(days=10))
    url = reverse("participants:apply", args=[program.slug])
    page = lawyer_client.get(url)
    text = page.content.decode()
    assert "李明" in text and participant.license_number in text  # shown, as text
    fields = served_form(text, url)
    assert not set(fields) & set(IDENTITY_FIELDS)  # nothing of who they are is an input
    response = lawyer_client.post(url, {**fields, "city": "广州", "mobile": "13900000000"})
    assert response.status_code == 302
    participant.refresh_from_db()
    assert (participant.city, participant.mobile, participant.name_zh) == ("广州", "13900000000", "李明")
    assert Admission.objects.get(participant=participant, program=program).state == "applied"


@pytest.mark.django_db
def test_the_office_changes_an_identity_only_with_a_reason_and_the_history_keeps_it(
    administrator_client, administrator
):
    lawyer = ParticipantFactory(name_zh="李明", name_latin="Li Ming", law_firm="甲律师事务所")
    url = reverse("participants:lawyer_edit", args=[lawyer.pk])
    fields = served_form(administrator_client.get(url).content.decode(), url)
    zhejiang = Province.objects.get(code="33")
    changed = {**fields, "name_zh": ["李鸣"], "province": [str(zhejiang.pk)], "law_firm": ["乙律师事务所"]}

    with translation.override("en"):
        refused = administrator_client.post(url, changed, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200 and "reason" in refused.context["form"].errors
    assert identity(lawyer)["name_zh"] == "李明" and not lawyer.identity_changes.exists()

    response = administrator_client.post(url, {**changed, "reason": ["  按律协执业信息更正 "]})
    assert response.status_code == 302
    lawyer.refresh_from_db()
    assert (lawyer.name_zh, lawyer.province.code, lawyer.law_firm) == ("李鸣", "33", "乙律师事务所")
    history = {change.field: change for change in IdentityChange.objects.filter(participant=lawyer)}
    assert set(history) == {"name_zh", "province", "law_firm"}
    assert (history["name_zh"].before, history["name_zh"].after) == ("李明", "李鸣")
    assert (history["province"].before, history["province"].after) == ("44", "33")
    assert {change.reason for change in history.values()} == {"按律协执业信息更正"}
    assert {change.changed_by for change in history.values()} == {administrator}

    # The lawyer's page shows the history, the province by its name.
    page = administrator_client.get(url).content.decode()
    assert "按律协执业信息更正" in page and "浙江" in page and "李明" in page

    # Contact details alone need no reason and add nothing to the history.
    fields = served_form(page, url)
    assert administrator_client.post(url, {**fields, "city": ["宁波"]}).status_code == 302
    assert IdentityChange.objects.filter(participant=lawyer).count() == 3


@pytest.mark.django_db
def test_the_office_moving_an_admitted_lawyer_to_a_full_province_is_refused_with_the_numbers_or_given_a_reason(
    administrator_client,
):
    """The province decides the quota a lawyer counts against: a move into a province whose places are all
    used is refused, naming it and its numbers, unless a reason to go over the quota is given; that reason is
    kept on the admission, as admission keeps it."""
    program = ProgramFactory(name_zh="涉外知识产权律师研修班", name_en="Foreign-related IP Practice")
    beijing = Province.objects.get(code="11")
    AdmissionFactory(program=program, participant__province=beijing, participant__license_number="11101201510654321")
    ProvinceQuota.objects.create(program=program, province=beijing, seats=1)  # its one place is used
    lawyer = AdmissionFactory(program=program, quota_override="").participant  # from Guangdong
    url = reverse("participants:lawyer_edit", args=[lawyer.pk])
    fields = served_form(administrator_client.get(url).content.decode(), url)
    assert fields["quota_override"] == [""]  # the page serves the field the refusal names
    moved = {**fields, "province": [str(beijing.pk)], "reason": ["转入北京律所执业"]}

    refused = administrator_client.post(url, moved, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200
    (message,) = refused.context["form"].errors["quota_override"]
    assert message == (
        "Beijing has used all 1 of its places in “Foreign-related IP Practice” (1 admitted). Give a reason to go "
        "over the quota, or raise the quota first."
    )
    assert message in refused.content.decode()
    assert identity(lawyer)["province"] == lawyer.province and not lawyer.identity_changes.exists()

    answered = administrator_client.post(url, {**moved, "quota_override": ["  部里特批 "]})
    assert answered.status_code == 302
    assert Participant.objects.get(pk=lawyer.pk).province == beijing
    assert Admission.objects.get(participant=lawyer).quota_override == "部里特批"
    line = next(line for line in quotas.quota_table(program).lines if line.province == beijing)
    assert (line.admitted, line.seats, line.over) == (2, 1, 1)  # over the quota, with its reason on record

    # Back to Guangdong, which has no quota: the reason given for Beijing no longer holds.
    page = administrator_client.get(url).content.decode()
    back = {**served_form(page, url), "province": [str(Province.objects.get(code="44").pk)], "reason": ["更正"]}
    assert administrator_client.post(url, back).status_code == 302
    assert Admission.objects.get(participant=lawyer).quota_override == ""
