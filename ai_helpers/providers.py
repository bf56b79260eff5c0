"""Who answers a job: an OpenAI-compatible API when a key is configured, else the local
rules (`local_provider`). Both take the same public facts (`facts`) and return the same
validated shapes (`schemas`), and both say who they are, so results are marked honestly.

Failures are sorted for the task's retry policy:

- `ProviderUnavailable` — timeout, connection failure, 5xx: transient, retried with backoff;
- `ProviderBusy` — the provider's own 429: not retried (see `ProviderBusy`);
- `ProviderRejected` — any other 4xx (bad key, unknown model, refused input): not retried,
  since the same request would be refused again;
- `schemas.InvalidOutput` — an answer that is not the required JSON: not retried.
"""

from functools import lru_cache
from typing import Any, Protocol, cast

import openai
from django.conf import settings
from openai.types.chat import ChatCompletionMessageParam
from openai.types.shared_params import ResponseFormatJSONSchema

from ai_helpers import prompts
from ai_helpers.facts import OpenerFacts, ProfileAnalysisFacts
from ai_helpers.local_provider import LocalProvider
from ai_helpers.models import AIJobKind, AIProviderName
from ai_helpers.schemas import (
    OPENERS_SCHEMA,
    PROFILE_ANALYSIS_SCHEMA,
    InvalidOutput,
    load_object,
    parse_openers,
    parse_profile_analysis,
)

__all__ = [
    "InvalidOutput",
    "LocalProvider",
    "OpenAIProvider",
    "Provider",
    "ProviderBusy",
    "ProviderError",
    "ProviderRejected",
    "ProviderUnavailable",
    "get_provider",
]


class ProviderError(Exception):
    """The provider could not give an answer."""


class ProviderUnavailable(ProviderError):
    """Timeout, connection failure or 5xx: worth another try later."""


class ProviderBusy(ProviderError):
    """The provider answered 429. Not retried, like every 4xx: it usually means the
    account's quota or rate is spent, which retries from every queued job would only make
    worse, and its Retry-After can be longer than a job should wait. The job fails as
    `ai_unavailable` and the person's slot is given back, so they can simply try again."""


class ProviderRejected(ProviderError):
    """Any other 4xx: the request itself is refused (configuration or input)."""

    def __init__(self, message: str, *, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


class Provider(Protocol):
    name: str
    model_name: str

    def profile_analysis(self, facts: ProfileAnalysisFacts) -> dict[str, Any]: ...

    def openers(self, facts: OpenerFacts) -> dict[str, Any]: ...


@lru_cache(maxsize=4)
def _client(base_url: str, api_key: str, timeout: float) -> openai.OpenAI:
    # The SDK's own retries are off: the Celery task retries with backoff instead, so a
    # worker is never held by sleeps and every attempt is counted on the job.
    return openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)


class OpenAIProvider:
    """Chat completions with a strict JSON-schema response format, validated again here."""

    name: str = AIProviderName.OPENAI

    def __init__(self, *, base_url: str, api_key: str, model_name: str, timeout: float) -> None:
        self.model_name = model_name
        self._client = _client(base_url, api_key, timeout)

    def profile_analysis(self, facts: ProfileAnalysisFacts) -> dict[str, Any]:
        answer = self._complete(
            AIJobKind.PROFILE_ANALYSIS, facts.as_data(), PROFILE_ANALYSIS_SCHEMA
        )
        return parse_profile_analysis(answer)

    def openers(self, facts: OpenerFacts) -> dict[str, Any]:
        return parse_openers(self._complete(AIJobKind.OPENERS, facts.as_data(), OPENERS_SCHEMA))

    def _complete(self, kind: str, data: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
        response_format: ResponseFormatJSONSchema = {
            "type": "json_schema",
            "json_schema": {"name": str(kind), "strict": True, "schema": schema},
        }
        try:
            completion = self._client.chat.completions.create(
                model=self.model_name,
                messages=cast(
                    "list[ChatCompletionMessageParam]", prompts.build_messages(kind, data)
                ),
                response_format=response_format,
                n=1,
            )
        except openai.APIConnectionError as error:  # timeouts included
            raise ProviderUnavailable(str(error)) from error
        except openai.RateLimitError as error:
            raise ProviderBusy(str(error)) from error
        except openai.APIStatusError as error:
            if error.status_code >= 500:
                raise ProviderUnavailable(f"{error.status_code}: {error.message}") from error
            raise ProviderRejected(error.message, status_code=error.status_code) from error
        except openai.APIResponseValidationError as error:
            raise InvalidOutput(f"unreadable response: {error.message}") from error
        try:
            choice = completion.choices[0]
            finish_reason = choice.finish_reason
            refusal = getattr(choice.message, "refusal", None)
            content = choice.message.content
        except (AttributeError, IndexError, TypeError):
            raise InvalidOutput("not a chat completion") from None
        if refusal:
            raise InvalidOutput("the model refused")
        if finish_reason not in ("stop", None):
            raise InvalidOutput(f"answer ended by {finish_reason!r}")
        return load_object(content)


def get_provider() -> Provider:
    """The configured provider: the API when KINDRED_AI_API_KEY is set, else local rules."""
    if settings.KINDRED_AI_API_KEY:
        return OpenAIProvider(
            base_url=settings.KINDRED_AI_BASE_URL,
            api_key=settings.KINDRED_AI_API_KEY,
            model_name=settings.KINDRED_AI_MODEL,
            timeout=settings.KINDRED_AI_TIMEOUT_SECONDS,
        )
    return LocalProvider()
