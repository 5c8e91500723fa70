"""The sweep of PDFs no certificate references (a worker killed mid-batch leaves its batch's files): on a file
system and on object storage, when a worker starts and hourly from beat; it removes only old, unreferenced
PDFs. (The real kill is tests/platform/test_faults.py.)"""

import os
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.utils import timezone

from accounts.roles import Role
from certificates import services
from tests.factories import AdmissionFactory, ProgramFactory, UserFactory
from trainingprog.celery import app


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _issue(count: int) -> list:
    administrator = UserFactory(role=Role.ADMINISTRATOR)
    program = ProgramFactory(min_credit_hours=Decimal("0"))  # no required session: every lawyer completes
    return [
        services.issue_certificate(participant=AdmissionFactory(program=program).participant, program=program,
                                   by=administrator)
        for _ in range(count)
    ]  # fmt: skip


def _beat_sweep():
    """The task beat's schedule names for the sweep, as the worker finds it; and the schedule says hourly."""
    (entry,) = [e for e in django_settings.CELERY_BEAT_SCHEDULE.values() if e["task"].endswith("remove_orphan_pdfs")]
    assert entry["schedule"] <= 3600
    app.loader.import_default_modules()  # the apps' tasks modules, as a starting worker imports them
    return app.tasks[entry["task"]]


# --- on a file system (MEDIA_ROOT) -----------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_a_starting_worker_removes_old_unreferenced_pdfs_and_keeps_every_certificate():
    from certificates.tasks import resume_unfinished_jobs

    kept = _issue(2)
    storage = kept[0].pdf.storage
    orphan = storage.save("certificates/2025/TEST-2025-0099.pdf", ContentFile(b"%PDF-1.4 killed mid-batch"))
    young = storage.save("certificates/2025/TEST-2025-0100.pdf", ContentFile(b"%PDF-1.4 still being made"))
    seal = storage.save("certificates/seals/seal.png", ContentFile(b"\x89PNG"))
    # Ages from the clock the sweep reads (the suite may run at another instant than the files' real one).
    an_hour_ago, now = (timezone.now() - timedelta(hours=1)).timestamp(), timezone.now().timestamp()
    for name in (orphan, seal, *(certificate.pdf.name for certificate in kept)):
        os.utime(storage.path(name), (an_hour_ago, an_hour_ago))
    os.utime(storage.path(young), (now, now))

    resume_unfinished_jobs()  # what a worker runs when it starts

    assert not storage.exists(orphan)
    assert storage.exists(young) and storage.exists(seal)  # a batch may still commit it; not a PDF
    assert all(storage.exists(certificate.pdf.name) for certificate in kept)


@pytest.mark.django_db
@pytest.mark.real_clock(reason="the file's age is its modification time, which the file system stamps at once")
def test_beat_removes_the_orphans_a_worker_restarted_at_once_found_too_young(settings):
    kept = _issue(1)[0]
    storage = kept.pdf.storage
    orphan = storage.save("certificates/2026/TEST-2026-0007.pdf", ContentFile(b"%PDF-1.4 killed mid-batch"))
    assert services.orphan_pdfs_remove() == []  # the restarted worker: ten minutes have not passed
    later = (timezone.now() - services.ORPHAN_AGE - timedelta(minutes=1)).timestamp()
    for name in (orphan, kept.pdf.name):
        os.utime(storage.path(name), (later, later))  # an hour on, say: beat's next run

    assert _beat_sweep().apply().get() == 1
    assert not storage.exists(orphan) and storage.exists(kept.pdf.name)


@pytest.mark.django_db
def test_the_sweep_finds_nothing_to_do_before_any_certificate_was_made():
    assert not (django_settings.MEDIA_ROOT / services.FOLDER).exists()
    assert services.orphan_pdfs_remove() == []


# --- on object storage (S3) --------------------------------------------------------------------------------
class ObjectStorage(Storage):
    """A bucket in memory with the semantics of django-storages' S3Storage: a name is a key; a "folder" is
    only the prefix of keys, so `exists()` is false for it, and listing a prefix no key has gives nothing.
    Each object's age is a request: the names asked are kept."""

    objects: dict[str, tuple[bytes, object]] = {}
    ages_asked: list[str] = []

    def _save(self, name, content):
        self.objects[name] = (content.read(), timezone.now())
        return name

    def _open(self, name, mode="rb"):
        return ContentFile(self.objects[name][0], name=name)

    def exists(self, name):  # S3Storage: HEAD on the key
        return name in self.objects

    def delete(self, name):
        self.objects.pop(name, None)

    def listdir(self, path):  # S3Storage: the keys under the prefix, split at the next "/"
        prefix = path.rstrip("/") + "/"
        inside = [key.removeprefix(prefix) for key in self.objects if key.startswith(prefix)]
        return sorted({rest.split("/")[0] for rest in inside if "/" in rest}), [r for r in inside if "/" not in r]

    def size(self, name):
        return len(self.objects[name][0])

    def get_modified_time(self, name):
        self.ages_asked.append(name)
        return self.objects[name][1]

    def url(self, name):
        return f"https://bucket.example.org/{name}"


@pytest.fixture
def bucket(settings):
    ObjectStorage.objects, ObjectStorage.ages_asked = {}, []
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": f"{__name__}.ObjectStorage"}}
    return ObjectStorage.objects


@pytest.mark.django_db
def test_on_object_storage_the_sweep_removes_old_orphans_and_asks_the_age_of_those_only(bucket):
    kept = _issue(3)
    assert {certificate.pdf.name for certificate in kept} == set(bucket)  # the certificates are in the bucket
    an_hour_ago = timezone.now() - timedelta(hours=1)
    orphans = [f"certificates/2025/TEST-2025-{n:04d}.pdf" for n in (97, 98)]
    bucket.update(dict.fromkeys(orphans, (b"%PDF-1.4 killed mid-batch", an_hour_ago)))
    young = "certificates/2026/TEST-2026-0099.pdf"
    bucket[young] = (b"%PDF-1.4 still being made", timezone.now())
    bucket["certificates/seals/seal.png"] = (b"\x89PNG", an_hour_ago)
    for name in [certificate.pdf.name for certificate in kept]:
        bucket[name] = (bucket[name][0], an_hour_ago)  # kept for being referenced, not for being new

    assert _beat_sweep().apply().get() == 2

    assert set(bucket) == {*(c.pdf.name for c in kept), young, "certificates/seals/seal.png"}
    assert sorted(ObjectStorage.ages_asked) == sorted([*orphans, young])  # no request for a referenced PDF


@pytest.mark.django_db
def test_on_an_empty_bucket_the_sweep_finds_nothing(bucket):
    assert services.orphan_pdfs_remove() == [] and not ObjectStorage.ages_asked
