"""New rows written by COPY (PostgreSQL): every value as the objects hold it, keys given as bulk_create gives them,
and a broken constraint failing as an INSERT would."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction

from common.bulk import ids_in, ids_table, insert_new
from participants.models import Participant, Province

pytestmark = pytest.mark.django_db

AWKWARD = ["tab\there", "line\nbreak\r\nand return", "back\\slash \\N \\t", "", "王芳 · Ｗａｎｇ", "'quoted' \"too\""]


def test_insert_new_writes_every_value_as_given_and_gives_each_row_its_key():
    User = get_user_model()
    users = insert_new(
        User, [User(email=f"copy{n}@example.cn", full_name=text, is_active=False) for n, text in enumerate(AWKWARD)]
    )
    province = Province.objects.get(code="44")
    lawyers = insert_new(
        Participant,
        [
            Participant(
                user=user,
                name_zh=user.full_name or "无名",
                license_number=f"1440120180000{n:04d}",
                law_firm="某所",
                province=province,
                specialties=[user.full_name, 'a "quote" and a \\'],
                years_of_practice=n or None,
            )
            for n, user in enumerate(users)
        ],
    )
    assert all(user.pk and not user._state.adding for user in users)
    stored = {u.pk: u for u in User.objects.filter(pk__in=[u.pk for u in users])}
    assert [(stored[u.pk].email, stored[u.pk].full_name, stored[u.pk].is_active) for u in users] == [
        (u.email, u.full_name, False) for u in users
    ]
    assert [stored[u.pk].date_joined for u in users] == [u.date_joined for u in users]
    for lawyer in lawyers:
        again = Participant.objects.get(pk=lawyer.pk)
        assert (again.user_id, again.name_zh, again.specialties, again.years_of_practice) == (
            lawyer.user_id,
            lawyer.name_zh,
            lawyer.specialties,
            lawyer.years_of_practice,
        )
        assert again.created_at == lawyer.created_at and again.created_at is not None
    # The table's sequence moved on: the next row written the ordinary way takes a key of its own.
    assert User.objects.create(email="after@example.cn").pk > max(u.pk for u in users)


def test_flags_and_moments_in_any_time_zone_are_stored_as_they_are_held():
    User = get_user_model()
    beijing = timezone(timedelta(hours=8))
    moments = [datetime(2026, 1, 1, 8, 30, 15, 123456, tzinfo=beijing), datetime(2025, 12, 31, 23, 59, tzinfo=UTC)]
    users = insert_new(
        User,
        [
            User(email=f"flag{n}@example.cn", is_active=bool(n % 2), is_staff=not n % 2, date_joined=moments[n % 2])
            for n in range(4)
        ],
    )
    stored = {u.pk: u for u in User.objects.filter(pk__in=[u.pk for u in users])}
    assert [(stored[u.pk].is_active, stored[u.pk].is_staff, stored[u.pk].date_joined) for u in users] == [
        (bool(n % 2), not n % 2, moments[n % 2]) for n in range(4)
    ]


def test_a_row_breaking_a_constraint_fails_with_djangos_integrity_error_and_writes_nothing():
    User = get_user_model()
    User.objects.create(email="taken@example.cn")
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_new(User, [User(email="fresh@example.cn"), User(email="TAKEN@example.cn")])
    assert not User.objects.filter(email="fresh@example.cn").exists()


def test_ids_table_is_a_table_of_the_ids():
    sql, params = ids_table([3, 1, 2])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM ({sql}) AS ids ORDER BY id", params)  # noqa: S608 - ours
        assert [row[0] for row in cursor.fetchall()] == [1, 2, 3]


def test_ids_in_keeps_the_rows_whose_column_is_one_of_the_ids():
    condition, params = ids_in("id", [2, 3])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM (SELECT generate_series(1, 5) AS id) AS ids WHERE {condition}", params)  # noqa: S608
        assert sorted(row[0] for row in cursor.fetchall()) == [2, 3]
