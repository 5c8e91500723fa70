"""Personas and helpers every test may use."""

import pytest
from django.test import Client

from accounts.roles import Role

from .factories import UserFactory


@pytest.fixture(autouse=True)
def _empty_cache():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def administrator(db):
    return UserFactory(email="admin@example.test", full_name="王管理", role=Role.ADMINISTRATOR, is_staff=True)


@pytest.fixture
def faculty_member(db):
    return UserFactory(email="faculty@example.test", full_name="陈教授", role=Role.FACULTY)


@pytest.fixture
def lawyer(db):
    return UserFactory(email="lawyer@example.test", full_name="李律师", role=Role.PARTICIPANT)


@pytest.fixture
def other_lawyer(db):
    return UserFactory(email="other.lawyer@example.test", full_name="赵律师", role=Role.PARTICIPANT)


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend="accounts.backends.EmailBackend")
    return client


@pytest.fixture
def administrator_client(administrator):
    return _client_for(administrator)


@pytest.fixture
def faculty_client(faculty_member):
    return _client_for(faculty_member)


@pytest.fixture
def lawyer_client(lawyer):
    return _client_for(lawyer)
