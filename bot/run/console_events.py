"""What console mode tells the person at the terminal about each poll cycle, in French.

One line per event a reader cares about: a feed seen for the first time, a feed with new
articles, a feed that failed (why, in words, and when the next attempt is), then one line for
the cycle. The posts themselves are printed by the console publisher; notices (a feed disabled
or gone) by ``bot.run.console.print_notice``. The technical log stays in the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from bot.news.engine import PollReport

# The person at the terminal runs the bot: unlike a Discord member (S10), they may know why.
FAILURE_REASONS = {
    "dns_error": "nom de domaine introuvable",
    "connection_error": "connexion impossible",
    "tls_error": "certificat TLS refusé",
    "timeout": "le site n'a pas répondu à temps",
    "too_large": "document trop volumineux",
    "too_many_redirects": "trop de redirections",
    "http_error": "le site a répondu par une erreur",
    "not_found": "adresse introuvable sur le site (404)",
    "gone": "flux supprimé par le site (410)",
    "rate_limited": "le site demande de patienter",
    "bad_content_type": "ce n'est pas un flux (type de contenu inattendu)",
    "blocked_address": "adresse du réseau interne, refusée (voir ALLOWED_PRIVATE_NETWORKS)",
    "invalid_url": "adresse non valide",
    "bad_scheme": "adresse non valide (http ou https seulement)",
    "bad_port": "port refusé",
    "parse_error": "document illisible : ce n'est pas un flux RSS, Atom ou JSON valide",
    "internal_error": "erreur interne (détails dans le journal technique)",
}
UNREACHABLE = frozenset({"dns_error", "connection_error", "timeout"})
OFFLINE_HINT = "Aucun site n'a répondu : cette machine a-t-elle accès à Internet ?"


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def ordinal(number: int) -> str:
    return "1er" if number == 1 else f"{number}e"


def when(moment: datetime, *, now: datetime, timezone: str) -> str:
    """``vers 14:35``, ``demain vers 08:00`` or ``le 4 décembre vers 08:00`` (local time)."""
    zone = ZoneInfo(timezone)
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    clock = f"vers {local:%H:%M}"
    if local.date() == today:
        return clock
    if local.date() == today + timedelta(days=1):
        return f"demain {clock}"
    return f"le {format_datetime(local, 'd MMMM', locale='fr_FR')} {clock}"


def feed_name(report: PollReport) -> str:
    return f"« {report.title or f'flux n° {report.feed_id}'} »"


def describe(report: PollReport, *, now: datetime, timezone: str) -> str | None:
    """The line for one feed's poll, or None when there is nothing to say about it."""
    name = feed_name(report)
    if report.outcome == "baseline":
        return (
            f"{name} : premier passage, "
            f"{plural(report.skipped, 'article déjà paru est mis', 'articles déjà parus sont mis')}"
            " de côté ; seuls les suivants seront publiés."
        )
    if report.outcome == "processed" and report.articles:
        return f"{name} : {plural(report.articles, 'nouvel article', 'nouveaux articles')}."
    if report.outcome == "failed":
        reason = FAILURE_REASONS.get(report.reason or "", "erreur inattendue")
        line = f"{name} : relève impossible ({reason})"
        if report.next_poll_at is not None:
            line += f" ; nouvel essai {when(report.next_poll_at, now=now, timezone=timezone)}"
        if report.failures > 1:
            line += f" ({ordinal(report.failures)} échec de suite)"
        return line + "."
    return None


def describe_cycle(reports: Sequence[PollReport], *, now: datetime, timezone: str) -> list[str]:
    """The feeds' lines, then the cycle's own line."""
    lines = [
        line
        for report in reports
        if (line := describe(report, now=now, timezone=timezone)) is not None
    ]
    new = sum(r.articles for r in reports)
    failed = sum(1 for r in reports if r.outcome in {"failed", "disabled", "gone"})
    local = now.astimezone(ZoneInfo(timezone))
    if not reports:
        return [f"{local:%H:%M} — aucun flux n'était à relever."]
    head = f"{local:%H:%M} — relève de {plural(len(reports), 'flux', 'flux')}"
    parts = [plural(new, "nouvel article", "nouveaux articles") if new else "rien de nouveau"]
    if failed:
        parts.append(plural(failed, "flux en échec", "flux en échec"))
    lines.append(f"{head} : {', '.join(parts)}.")
    if len(reports) > 1 and all(r.reason in UNREACHABLE for r in reports):
        lines.append(OFFLINE_HINT)
    return lines
