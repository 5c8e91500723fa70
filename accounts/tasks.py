from celery import shared_task

from . import services


@shared_task(name="accounts.tasks.send_password_reset")
def send_password_reset(*, request_id: int) -> bool:
    return services.password_reset_send(request_id=request_id)


@shared_task(name="accounts.tasks.sweep_password_resets")
def sweep_password_resets() -> int:
    return services.password_reset_sweep()
