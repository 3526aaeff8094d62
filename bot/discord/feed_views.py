"""Pure French views of subscriptions and filters for the ``/feed`` commands (no Discord here).

``subscription_field`` gives the name and value of one embed field of ``/feed list``: feed
title, channel, state with its reason, last success (relative when recent, else a date),
consecutive failures and filters. ``parse_terms`` and ``filters_text`` read and show filters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_timedelta

from bot.delivery.embeds import safe
from bot.delivery.formats import LABELS
from storage.records import FeedRecord, FeedState, Filters, Subscription, SubscriptionState
from summarizer.model import Entry

FIELD_NAME_MAX, FIELD_VALUE_MAX, CHOICE_MAX = 256, 1024, 100
MAX_TERMS, TERM_MAX = 20, 60
RECENT = timedelta(days=2)

_SUBSCRIPTION_STATES = {
    SubscriptionState.PAUSED_PERMISSIONS: "⏸️ En pause : permissions manquantes dans le salon",
    SubscriptionState.CHANNEL_GONE: "❌ Salon supprimé",
    SubscriptionState.BAD_FORMAT: "⏸️ Suspendu : messages refusés par Discord",
}
_FEED_STATES = {
    FeedState.DISABLED_FAILING: "⛔ Flux désactivé après des échecs répétés",
    FeedState.GONE: "⛔ Flux supprimé par le site",
}


@dataclass(frozen=True, slots=True)
class Health:
    label: str
    reason: str | None = None


def health(subscription: Subscription, feed: FeedRecord) -> Health:
    """The state shown to admins: the subscription's problem first, then the feed's."""
    if subscription.state is not SubscriptionState.ACTIVE:
        return Health(_SUBSCRIPTION_STATES[subscription.state], subscription.state_reason)
    if feed.state is not FeedState.ACTIVE:
        return Health(_FEED_STATES[feed.state], feed.state_reason)
    if feed.failure_count:
        return Health("⚠️ Actif, mais les derniers relevés ont échoué")
    if feed.is_new:
        return Health("✅ Actif (premier relevé à venir)")
    return Health("✅ Actif")


def when(moment: datetime | None, *, now: datetime, tz: str) -> str:
    """« il y a 5 minutes » when recent, else « 24 novembre 2026 à 10:30 »; « jamais »."""
    if moment is None:
        return "jamais"
    delta = moment - now
    if abs(delta) < RECENT:
        return str(format_timedelta(delta, locale="fr_FR", add_direction=True))
    local = moment.astimezone(ZoneInfo(tz))
    return "le " + str(format_datetime(local, "d MMMM y 'à' HH:mm", locale="fr_FR"))


def latest_entry(entries: Sequence[Entry]) -> Entry:
    """The newest dated entry, else the first one (feeds list their latest items first)."""
    dated = [e for e in entries if e.published is not None]
    return max(dated, key=lambda e: e.published or _EARLIEST) if dated else entries[0]


_EARLIEST = datetime.min.replace(tzinfo=UTC)


def feed_title(feed: FeedRecord) -> str:
    return feed.title or feed.url


def webhook_text(feed: FeedRecord, enabled: bool) -> str:
    """The answer to ``/feed format webhook:``."""
    title = safe(feed_title(feed), 200)
    if enabled:
        return (
            f"Les articles de **{title}** seront publiés sous le nom et le logo de la source, "
            "par un webhook du salon que je crée et réutilise."
        )
    return f"Les articles de **{title}** seront publiés sous le nom du bot."


def corrections_text(feed: FeedRecord, enabled: bool) -> str:
    """The answer to ``/feed format corrections:``."""
    title = safe(feed_title(feed), 200)
    if enabled:
        return (
            f"Corrections activées pour **{title}** : un article déjà publié dont le site "
            "corrige le titre ou le résumé (dans les 48 h) est modifié sur place, marqué "
            "« mis à jour », jamais publié deux fois."
        )
    return (
        f"Corrections désactivées pour **{title}** : les articles publiés restent tels quels, "
        "même si le site les corrige."
    )


def grouping_text(subscription: Subscription, *, bot_wide: bool = True) -> str:
    """Whether a subscription posts each story once (issue 11), as ``/feed list`` says it."""
    if not bot_wide:
        return "Regroupement des sujets : non (désactivé pour tout le bot)"
    if subscription.grouping:
        return "Regroupement des sujets : oui (un sujet déjà publié n'est pas republié)"
    return "Regroupement des sujets : non (chaque site est publié)"


def subscription_field(
    subscription: Subscription,
    feed: FeedRecord,
    *,
    now: datetime,
    tz: str,
    grouping: bool = True,
) -> tuple[str, str]:
    """Name and value of the ``/feed list`` field of one subscription (``grouping``: the
    bot-wide ``STORY_GROUPING``)."""
    name = safe(f"{feed_title(feed)} (n° {subscription.id})", FIELD_NAME_MAX)
    state = health(subscription, feed)
    lines = [f"Salon : <#{subscription.channel_id}>", f"État : {state.label}"]
    lines.append(f"Format : {LABELS[subscription.format]}")
    lines.append(grouping_text(subscription, bot_wide=grouping))
    if state.reason:
        lines.append(f"Raison : {safe(state.reason, 300)}")
    lines.append(f"Dernier relevé réussi : {when(feed.last_success_at, now=now, tz=tz)}")
    lines.append(f"Échecs consécutifs : {feed.failure_count}")
    if not subscription.filters.is_empty:
        lines.append(f"Filtres : {safe(filters_text(subscription.filters), 400)}")
    return name, "\n".join(lines)[:FIELD_VALUE_MAX]


def choice_name(subscription: Subscription, feed: FeedRecord, channel_name: str | None) -> str:
    """An autocomplete label (at most 100 characters)."""
    where = f" · #{channel_name}" if channel_name else ""
    text = f"{feed_title(feed)}{where} (n° {subscription.id})"
    if len(text) <= CHOICE_MAX:
        return text
    tail = f"{where} (n° {subscription.id})"
    return feed_title(feed)[: CHOICE_MAX - len(tail) - 1] + "…" + tail


def parse_terms(raw: str | None) -> tuple[str, ...]:
    """ "Élysée, budget ,, climat" -> ("Élysée", "budget", "climat") (deduplicated)."""
    if not raw:
        return ()
    terms = [" ".join(part.split())[:TERM_MAX] for part in raw.split(",")]
    unique = dict.fromkeys(t for t in terms if t)
    return tuple(unique)[:MAX_TERMS]


def updated_filters(
    current: Filters,
    *,
    include: str | None,
    exclude: str | None,
    authors: str | None,
    categories: str | None,
    clear: bool,
) -> Filters:
    """Options given replace that part of the filters; ``clear`` starts from none."""
    base = Filters() if clear else current
    return Filters(
        include=parse_terms(include) if include is not None else base.include,
        exclude=parse_terms(exclude) if exclude is not None else base.exclude,
        authors=parse_terms(authors) if authors is not None else base.authors,
        categories=parse_terms(categories) if categories is not None else base.categories,
    )


def filters_text(filters: Filters) -> str:
    if filters.is_empty:
        return "aucun (tous les articles sont publiés)"
    parts = []
    for label, terms in (
        ("mots gardés", filters.include),
        ("mots écartés", filters.exclude),
        ("auteurs", filters.authors),
        ("catégories", filters.categories),
    ):
        if terms:
            parts.append(f"{label} : " + ", ".join(terms))
    return " ; ".join(parts)


FIELDS_PER_EMBED = 10  # Discord allows 25; 10 keeps each embed readable
EMBEDS_PER_MESSAGE = 10
MESSAGE_CHARS = 5_900  # Discord counts 6,000 over all the embeds of a message; room for a footer

Field = tuple[str, str]


def pack_fields(fields: Sequence[Field], *, title: str) -> list[list[list[Field]]]:
    """Fields grouped into embeds (``FIELDS_PER_EMBED`` each) and embeds into messages (at most
    ``EMBEDS_PER_MESSAGE`` and ``MESSAGE_CHARS`` characters, titles included), in order."""
    messages: list[list[list[Field]]] = [[[]]]
    used = len(title)
    for name, value in fields:
        size = len(name) + len(value)
        message, embed = messages[-1], messages[-1][-1]
        if embed and used + size > MESSAGE_CHARS:
            messages.append([[]])
            used = len(title)
        elif len(embed) == FIELDS_PER_EMBED:
            if len(message) == EMBEDS_PER_MESSAGE or used + len(title) + size > MESSAGE_CHARS:
                messages.append([[]])
                used = len(title)
            else:
                message.append([])
                used += len(title)
        messages[-1][-1].append((name, value))
        used += size
    return messages
