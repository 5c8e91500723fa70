from celery import shared_task

from . import services


@shared_task(name="faculty.tasks.announce_materials")
def announce_materials(*, material_ids: list[int]) -> int:
    return services.announce(material_ids)


@shared_task(name="faculty.tasks.announce_released_materials")
def announce_released_materials() -> int:
    return services.announce_released()
