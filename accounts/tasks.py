from celery import shared_task

from accounts.services import tokens_flush_expired


@shared_task(name="accounts.flush_expired_tokens")
def flush_expired_tokens_task() -> int:
    """Delete refresh-token records past their expiry (and their blacklist entries)."""
    return tokens_flush_expired()
