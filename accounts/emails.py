"""Transactional emails through Django's email framework: a subject, a plain-text body and
an HTML alternative, each a template under `accounts/templates/accounts/email/`.

Services never send mail inside a request: they schedule a Celery task after commit, and
the task renders and sends (see accounts.tasks). The backend comes from settings: console
in the local run, locmem in tests, SMTP in production.
"""

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def email_send_templated(*, to: str, template: str, context: dict[str, Any]) -> None:
    """Render `accounts/email/<template>_subject.txt`, `<template>.txt` and `<template>.html`
    with `context` and send one message to `to`. Backend errors propagate (the calling
    task retries transient ones)."""
    full_context = {"app_name": "Kindred", "app_url": settings.KINDRED_APP_BASE_URL, **context}
    rendered_subject = render_to_string(f"accounts/email/{template}_subject.txt", full_context)
    # A header must be one line, whatever the template's trailing newline.
    subject = " ".join(rendered_subject.split())
    text = render_to_string(f"accounts/email/{template}.txt", full_context)
    html = render_to_string(f"accounts/email/{template}.html", full_context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]
    )
    message.attach_alternative(html, "text/html")
    message.send(fail_silently=False)


def app_link(path_setting: str, token: str) -> str:
    """The app's page for a token, e.g. `https://app.example.com/reset-password?token=...`."""
    return f"{settings.KINDRED_APP_BASE_URL}{getattr(settings, path_setting)}{token}"
