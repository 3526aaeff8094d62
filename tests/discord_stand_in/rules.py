"""Discord's payload rules, as the stand-in enforces them. Each check returns a list of errors."""

from __future__ import annotations

import unicodedata
from typing import Any

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
EMBED_LIMITS = {"title": 256, "description": 4096}
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FIELDS_MAX = 25
FOOTER_MAX = 2048
AUTHOR_NAME_MAX = 256
NONCE_MAX = 25
CHOICES_MAX = 25
OPTIONS_MAX = 25
DESCRIPTION_RANGE = (1, 100)


def is_valid_command_name(name: object) -> bool:
    """``^[-_\\p{L}\\p{N}]{1,32}$``, in lower case where the letter has a lower-case form."""
    if not isinstance(name, str) or not 1 <= len(name) <= 32:
        return False
    for char in name:
        if char in "-_":
            continue
        if unicodedata.category(char)[0] not in "LN":
            return False
    return name == name.lower()


def _check_description(where: str, text: object, errors: list[str]) -> None:
    low, high = DESCRIPTION_RANGE
    if not isinstance(text, str) or not low <= len(text) <= high:
        errors.append(f"{where}: description length must be {low}-{high}")


def _check_localizations(where: str, data: dict[str, Any], errors: list[str]) -> None:
    for locale, name in (data.get("name_localizations") or {}).items():
        if not is_valid_command_name(name):
            errors.append(f"{where}: invalid {locale} name {name!r}")
    for locale, text in (data.get("description_localizations") or {}).items():
        _check_description(f"{where}[{locale}]", text, errors)


def check_command(data: dict[str, Any], where: str = "command", *, top: bool = True) -> list[str]:
    """Validate one application command (or option) payload, recursively."""
    errors: list[str] = []
    name = data.get("name")
    where = f"{where}.{name}"
    is_context_menu = top and data.get("type", 1) in (2, 3)
    if not is_valid_command_name(name) and not is_context_menu:
        errors.append(f"{where}: invalid name")
    if not is_context_menu:
        _check_description(where, data.get("description"), errors)
    _check_localizations(where, data, errors)
    options = data.get("options") or []
    if len(options) > OPTIONS_MAX:
        errors.append(f"{where}: more than {OPTIONS_MAX} options")
    for option in options:
        errors.extend(check_command(option, where, top=False))
    choices = data.get("choices") or []
    if len(choices) > CHOICES_MAX:
        errors.append(f"{where}: more than {CHOICES_MAX} choices")
    for choice in choices:
        errors.extend(_check_choice(where, choice))
    return errors


def _check_choice(where: str, choice: dict[str, Any]) -> list[str]:
    name = choice.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 100:
        return [f"{where}: choice name length must be 1-100"]
    value = choice.get("value")
    if isinstance(value, str) and len(value) > 100:
        return [f"{where}: choice value longer than 100"]
    return []


def check_autocomplete(data: dict[str, Any]) -> list[str]:
    choices = data.get("choices")
    if not isinstance(choices, list):
        return ["autocomplete: choices missing"]
    errors = [f"autocomplete: more than {CHOICES_MAX} choices"] if len(choices) > 25 else []
    for choice in choices:
        errors.extend(_check_choice("autocomplete", choice))
    return errors


def _embed_errors(index: int, embed: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    total = 0
    for key, limit in EMBED_LIMITS.items():
        text = embed.get(key) or ""
        total += len(text)
        if len(text) > limit:
            errors.append(f"embeds[{index}].{key}: longer than {limit}")
    fields = embed.get("fields") or []
    if len(fields) > FIELDS_MAX:
        errors.append(f"embeds[{index}].fields: more than {FIELDS_MAX}")
    for number, field in enumerate(fields):
        name, value = field.get("name") or "", field.get("value") or ""
        total += len(name) + len(value)
        if not name or len(name) > FIELD_NAME_MAX:
            errors.append(f"embeds[{index}].fields[{number}].name: length 1-{FIELD_NAME_MAX}")
        if not value or len(value) > FIELD_VALUE_MAX:
            errors.append(f"embeds[{index}].fields[{number}].value: length 1-{FIELD_VALUE_MAX}")
    footer = (embed.get("footer") or {}).get("text") or ""
    author = (embed.get("author") or {}).get("name") or ""
    total += len(footer) + len(author)
    if len(footer) > FOOTER_MAX:
        errors.append(f"embeds[{index}].footer.text: longer than {FOOTER_MAX}")
    if len(author) > AUTHOR_NAME_MAX:
        errors.append(f"embeds[{index}].author.name: longer than {AUTHOR_NAME_MAX}")
    if total > EMBED_TOTAL_MAX:
        errors.append(f"embeds[{index}]: more than {EMBED_TOTAL_MAX} characters in total")
    url = embed.get("url")
    if url is not None and not str(url).startswith(("http://", "https://")):
        errors.append(f"embeds[{index}].url: not an http(s) URL")
    return errors


def _embed_chars(embed: dict[str, Any]) -> int:
    """What Discord counts: title, description, field names and values, footer, author."""
    fields = embed.get("fields") or []
    return (
        len(embed.get("title") or "")
        + len(embed.get("description") or "")
        + sum(len(f.get("name") or "") + len(f.get("value") or "") for f in fields)
        + len((embed.get("footer") or {}).get("text") or "")
        + len((embed.get("author") or {}).get("name") or "")
    )


def check_message(data: dict[str, Any], *, allow_empty: bool = False) -> list[str]:
    """Validate a message payload (channel send, interaction response, follow-up, edit)."""
    errors: list[str] = []
    content = data.get("content") or ""
    if len(content) > CONTENT_MAX:
        errors.append(f"content: longer than {CONTENT_MAX}")
    embeds = data.get("embeds") or []
    if len(embeds) > EMBEDS_MAX:
        errors.append(f"embeds: more than {EMBEDS_MAX}")
    for index, embed in enumerate(embeds):
        errors.extend(_embed_errors(index, embed))
    if sum(_embed_chars(embed) for embed in embeds) > EMBED_TOTAL_MAX:
        errors.append(f"embeds: more than {EMBED_TOTAL_MAX} characters over all the embeds")
    nonce = data.get("nonce")
    if nonce is not None and len(str(nonce)) > NONCE_MAX:
        errors.append(f"nonce: longer than {NONCE_MAX}")
    if not allow_empty and not content and not embeds and not data.get("components"):
        errors.append("message: cannot send an empty message")
    return errors
