"""``/feed why``'s answer (issue 11), pure: what happened to one article URL in this server and
why, in French, from what storage recorded (``storage.why.UrlTrail``): posted (where, when, the
message), grouped with which story's post, held by which filter or topic rule, a cap, too old,
a duplicate, already there at the first poll, waiting in the outbox, or not seen yet (when each
feed is polled next, or why it is failing)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.delivery.dates import article_date
from bot.delivery.embeds import CONTENT_MAX, safe, truncate
from bot.discord.feed_views import feed_title
from storage.records import FeedRecord, FeedState, PostRecord, PostState, SeenStatus, Subscription
from storage.story_records import ArticleDecision, HeldReason
from storage.why import UrlTrail

SEEN = {
    SeenStatus.BASELINE: "il était déjà dans le flux au premier relevé de l'abonnement : le bot "
    "ne publie pas ce qui existait avant",
    SeenStatus.SKIPPED_OLD: "trop ancien (publié plus de 2 jours avant d'être vu) : non publié",
    SeenStatus.SKIPPED_FLOOD: "trop d'articles nouveaux d'un coup : au-delà du plafond par relevé",
    SeenStatus.BLOCKED_DUPLICATE: "doublon d'un article déjà vu dans ce flux (même lien ou même "
    "titre) : non publié",
    SeenStatus.FILTERED: "aucun abonnement n'en voulait (filtres)",
    SeenStatus.NEW: "traité",
}
HELD = {
    HeldReason.FILTER: "retenu par le filtre de l'abonnement",
    HeldReason.TOPIC_FILTER: "retenu par les sujets suivis du salon",
    HeldReason.CYCLE_CAP: "non publié : trop d'articles nouveaux d'un coup",
    HeldReason.DAY_CAP: "non publié : plafond de publications du jour atteint",
}


def message_link(guild_id: int, post: PostRecord) -> str:
    return f"https://discord.com/channels/{guild_id}/{post.target_id}/{post.message_id}"


def _post(post: PostRecord, guild_id: int, tz: str) -> str:
    if post.state is PostState.SENT:
        when = article_date(post.sent_at, tz) if post.sent_at else "à une date inconnue"
        link = f" : {message_link(guild_id, post)}" if post.message_id else ""
        return f"publié le {when}{link}"
    if post.state in (PostState.PENDING, PostState.SENDING):
        return f"en attente dans la file d'envoi ({post.attempts} tentative(s) jusqu'ici)"
    if post.state is PostState.FAILED_PERMANENT:
        return f"l'envoi a échoué définitivement ({safe(post.last_error or 'erreur', 200)})"
    if post.state is PostState.CANCELLED:
        return "envoi annulé (salon retiré ou abonnement supprimé)"
    return "non publié : plafond de publications atteint"


def _decision(decision: ArticleDecision, first: PostRecord | None, guild_id: int) -> str:
    if decision.reason is HeldReason.GROUPED:
        if first is not None and first.state is PostState.SENT and first.message_id:
            where = f"ajouté à « Aussi chez » de {message_link(guild_id, first)}"
        else:
            where = "ajouté au premier article du sujet, encore en attente d'envoi"
        return f"même sujet qu'un article déjà publié dans le salon (48 h) : {where}"
    detail = f" ({safe(decision.detail, 300)})" if decision.detail else ""
    return HELD[decision.reason] + detail


def _feed_state(feed: FeedRecord, tz: str) -> str:
    name = safe(feed_title(feed), 100)
    if feed.state is not FeedState.ACTIVE:
        return f"• **{name}** est désactivé : {safe(feed.state_reason or feed.state.value, 200)}"
    when = article_date(feed.next_poll_at, tz) if feed.next_poll_at else "bientôt"
    if feed.failure_count:
        error = safe(feed.last_error or "erreur inconnue", 200)
        failures = f"{feed.failure_count} fois de suite : {error}"
        return f"• **{name}** échoue ({failures}) ; prochain essai le {when}"
    return f"• **{name}** : pas encore vu ; prochain relevé le {when}"


def explain(
    link: str,
    trail: UrlTrail,
    subscriptions: Sequence[Subscription],
    feeds: Mapping[int, FeedRecord],
    *,
    guild_id: int,
    tz: str,
) -> str:
    """The French answer, at most one message long."""
    lines = [f"**Pourquoi ?** <{safe(link, 300)}>"]
    if not trail.seen:
        lines.append("Aucun flux de ce serveur n'a encore montré cet article.")
        lines += [_feed_state(feed, tz) for feed in feeds.values()]
        return truncate("\n".join(lines), CONTENT_MAX)
    articles = {(a.feed_id, a.entry_key): a for a in trail.articles}
    for seen in trail.seen:
        feed = feeds.get(seen.feed_id)
        name = safe(feed_title(feed), 100) if feed else "un flux retiré"
        article = articles.get((seen.feed_id, seen.key))
        if article is None:
            when = article_date(seen.first_seen_at, tz)
            lines.append(f"• Vu dans **{name}** le {when} : {SEEN[seen.status]}.")
            continue
        for sub in (s for s in subscriptions if s.feed_id == seen.feed_id):
            outcome = _outcome(trail, article.id, sub, guild_id, tz)
            lines.append(f"• **{name}** → <#{sub.channel_id}> : {outcome}.")
    return truncate("\n".join(lines), CONTENT_MAX)


def _outcome(trail: UrlTrail, article_id: int, sub: Subscription, guild_id: int, tz: str) -> str:
    for decision in trail.decisions:
        if decision.article_id == article_id and decision.subscription_id == sub.id:
            first = trail.group_posts.get(decision.group_post_id or 0)
            return _decision(decision, first, guild_id)
    for post in trail.posts:
        if post.article_id == article_id and post.target_id == sub.channel_id:
            return _post(post, guild_id, tz)
    return "rien n'était prévu pour ce salon (l'abonnement est plus récent que l'article)"
