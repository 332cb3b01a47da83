"""Imports can take a while: they run on a worker (inline when no broker). Thin and re-runnable:
each service claims the job only in the state it expects."""

from celery import shared_task


@shared_task
def import_job_check_task(job_id: int) -> None:
    from .services import import_job_check

    import_job_check(job_id=job_id)


@shared_task
def import_job_commit_task(job_id: int, user_id: int, ip_address: str | None = None) -> None:
    from .services import import_job_commit

    import_job_commit(job_id=job_id, user_id=user_id, ip_address=ip_address)
