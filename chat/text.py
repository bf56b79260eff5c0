"""What a message may contain, and how openers are compared.

A body is 1–4096 characters after surrounding whitespace is trimmed and line endings are
normalised to `\\n`; it must contain something visible (not only spaces or zero-width
characters); control characters other than newline and tab are refused, as are lone
surrogates (which PostgreSQL cannot store). Errors are `validation_error` with
`extra.fields.body`, the same over REST and the socket.
"""

import hashlib
import re
import unicodedata

from chat.models import MESSAGE_MAX_LENGTH
from core.exceptions import ValidationFailed

_ALLOWED_CONTROLS = {"\n", "\t"}
# Characters that show nothing: whitespace, separators, format characters (zero-width space
# and joiners, bidi marks) and the variation selectors.
_INVISIBLE_CATEGORIES = {"Zs", "Zl", "Zp", "Cf", "Mn"}
_SEPARATORS = re.compile(r"\s+")


def _refuse(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(extra={"fields": {"body": [message]}, "reason": code})


def clean_message_body(body: object) -> str:
    """The body to store, or ValidationFailed saying why it cannot be sent."""
    if not isinstance(body, str):
        raise _refuse("Must be a string.", "invalid_type")
    text = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    for character in text:
        category = unicodedata.category(character)
        if category == "Cc" and character not in _ALLOWED_CONTROLS:
            raise _refuse("Control characters are not allowed.", "control_character")
        if category == "Cs":
            raise _refuse("Invalid character (lone surrogate).", "invalid_character")
    if not text or all(
        character.isspace() or unicodedata.category(character) in _INVISIBLE_CATEGORIES
        for character in text
    ):
        raise _refuse("A message cannot be empty or only whitespace.", "blank")
    if len(text) > MESSAGE_MAX_LENGTH:
        raise _refuse(f"At most {MESSAGE_MAX_LENGTH} characters ({len(text)} given).", "too_long")
    return text


def opener_key(text: str) -> str:
    """The text reduced to what makes two openers "the same": case, accents' composition,
    punctuation, emoji and spacing ignored ("Hey, how's it going?!" == "hey hows it going")."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(
        " " if character.isspace() else character for character in folded if _is_kept(character)
    )
    return _SEPARATORS.sub(" ", kept).strip()


def _is_kept(character: str) -> bool:
    return character.isspace() or unicodedata.category(character)[0] in {"L", "N"}


def opener_fingerprint(text: str) -> str:
    return hashlib.sha256(opener_key(text).encode()).hexdigest()
