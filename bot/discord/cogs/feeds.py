"""/feed add|remove|list|test|filter|enable: the server's subscriptions (admins only).

Thin: parse, defer, call ``bot.news.subscribing`` / storage / the engine, reply in French
(ephemeral). The French views live in ``bot.discord.feed_views``.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.delivery.embeds import safe
from bot.delivery.formats import LABELS, render
from bot.discord import feed_views
from bot.discord.cogs.checks import (
    admin_only,
    fetcher_of,
    now_of,
    services_of,
    storage_of,
    workers_of,
)
from bot.discord.cogs.summary import as_stored
from bot.discord.error_handler import CommandFailed
from bot.discord.feed_choices import find_subscription, source_choices, subscription_choices
from bot.discord.feed_options import (
    FORMAT_CHOICES,
    apply_options,
    check_crosspost,
    check_discussion,
    check_postable,
    check_webhook,
    chosen_format,
    forum_tag_for,
    remember_avatar,
    reply,
    target_channel,
)
from bot.discord.feed_stories import story_commands
from bot.discord.feed_transfer import transfer_commands
from bot.net.errors import FetchError
from bot.news.preparation import prepare_entry
from bot.news.subscribing import (
    SubscribeError,
    asked_for,
    check_capacity,
    resolve_source,
    subscribe,
)
from bot.news.workers import WorkerTimeout, parse_task
from storage.records import FeedState
from summarizer.errors import FeedError, SummarizerError

log = logging.getLogger(__name__)

EMPTY_FEED = "Ce flux ne contient aucun article pour le moment."
UNREADABLE_FEED = "Ce flux est illisible pour le moment."
LIST_TITLE = "Flux du serveur"


FEED = app_commands.Group(
    name="feed",
    description="Manage the news feeds posted on this server",
    default_permissions=discord.Permissions(manage_guild=True),
    guild_only=True,
)


class FeedsCog(story_commands(FEED, transfer_commands(FEED))):  # type: ignore[misc]
    # /feed export and import (feed_transfer.py), /feed grouping and why (feed_stories.py)
    feed = FEED

    @feed.command(name="add", description="Subscribe a channel to a feed")
    @app_commands.describe(
        source="Site or feed address, or a catalogue name",
        channel="Text or announcement channel, forum or thread to post in (default: this one)",
        crosspost="Publish each post to the servers following this announcement channel",
        discussion="Open a discussion thread under each post",
        corrections="Edit a post in place when its article is corrected (default: yes)",
        webhook="Post as the source, with its name and logo (a webhook)",
        backfill="Number of recent articles to post now (0-10)",
        format="How posts look (default: full card)",
        template="Your template, with {titre}, {résumé}, {lien}... (template format)",
    )
    @app_commands.autocomplete(source=source_choices)
    @app_commands.choices(format=FORMAT_CHOICES)
    @admin_only
    async def add(
        self,
        interaction: discord.Interaction,
        source: str,
        # an archived thread is not in the cache: taken as Discord resolved it, fetched later
        channel: discord.TextChannel
        | discord.ForumChannel
        | app_commands.AppCommandThread
        | None = None,
        backfill: app_commands.Range[int, 0, 10] = 0,
        format: str | None = None,
        template: app_commands.Range[str, 1, 1500] | None = None,
        crosspost: bool = False,
        discussion: bool = False,
        corrections: bool = True,
        webhook: bool = False,
    ) -> None:
        post_format, kept = chosen_format(format, template)  # refused before any fetch
        await interaction.response.defer(ephemeral=True, thinking=True)
        services = services_of(interaction)
        storage, fetcher = storage_of(interaction), fetcher_of(interaction)
        settings = interaction.client.settings  # type: ignore[attr-defined]
        guild = interaction.guild
        assert guild is not None
        target = await target_channel(interaction, channel)
        check_postable(target, guild)
        check_crosspost(target, crosspost)
        check_discussion(target, guild, discussion)
        check_webhook(target, guild, webhook)
        try:
            await check_capacity(storage, guild.id, settings.max_feeds_per_guild)
            resolved = await resolve_source(
                source, fetcher=fetcher, workers=workers_of(interaction)
            )
            tag = forum_tag_for(
                target, resolved.title, resolved.source.name if resolved.source else None
            )
            done = await subscribe(
                resolved, storage=storage, engine=services.engine, guild_id=guild.id,
                channel_id=target.id, user_id=interaction.user.id, backfill=backfill,
                now=now_of(services), style={"post_format": post_format, "template": kept,
                "crosspost": crosspost, "forum_tag_id": tag, "discussion": discussion,
                "corrections": corrections, "webhook": webhook},
            )  # fmt: skip
        except FetchError as exc:
            log.info("feed add fetch failed interaction_id=%s error=%s", interaction.id, exc)
            raise CommandFailed(exc.message_about(asked_for(source))) from exc
        except SubscribeError as exc:
            raise CommandFailed(exc.message) from exc
        if webhook:
            await remember_avatar(storage, fetcher, done.feed)
        log.info("feed added subscription_id=%s guild_id=%s", done.subscription.id, guild.id)
        text = (
            f"Abonnement ajouté : **{safe(feed_views.feed_title(done.feed), 200)}** "
            f"sera publié dans <#{target.id}> au format « {LABELS[post_format]} », relevé "
            f"toutes les {settings.poll_interval_minutes} minutes."
        )
        if done.backfilled:
            text += f" {done.backfilled} article(s) récent(s) vont être publiés tout de suite."
        elif done.backfill_failed:
            text += " Le rattrapage des articles récents a échoué ; les prochains seront publiés."
        else:
            text += " Les articles déjà parus ne seront pas republiés."
        await interaction.followup.send(text, ephemeral=True)

    @feed.command(name="remove", description="Unsubscribe a feed")
    @app_commands.describe(subscription="A subscription of this server")
    @app_commands.autocomplete(subscription=subscription_choices)
    @admin_only
    async def remove(self, interaction: discord.Interaction, subscription: str) -> None:
        storage = storage_of(interaction)
        assert interaction.guild is not None
        sub, feed = await find_subscription(storage, interaction.guild.id, subscription)
        await storage.remove_subscription(sub.id)
        log.info("subscription removed subscription_id=%s by=%s", sub.id, interaction.user.id)
        await interaction.response.send_message(
            f"Abonnement retiré : **{safe(feed_views.feed_title(feed), 200)}** ne sera plus "
            f"publié dans <#{sub.channel_id}>.",
            ephemeral=True,
        )

    @feed.command(name="list", description="List this server's feeds and their health")
    @admin_only
    async def list_(self, interaction: discord.Interaction) -> None:
        services = services_of(interaction)
        storage = storage_of(interaction)
        assert interaction.guild is not None
        subscriptions = await storage.list_for_guild(interaction.guild.id)
        if not subscriptions:
            await interaction.response.send_message(
                "Aucun flux n'est publié sur ce serveur. Ajoutez-en un avec /flux ajouter.",
                ephemeral=True,
            )
            return
        settings = interaction.client.settings  # type: ignore[attr-defined]
        now = now_of(services)
        fields = []
        for sub in subscriptions:
            feed = await storage.get_feed(sub.feed_id)
            fields.append(
                feed_views.subscription_field(
                    sub, feed, now=now, tz=settings.timezone, grouping=settings.story_grouping
                )
            )
        for number, message in enumerate(feed_views.pack_fields(fields, title=LIST_TITLE)):
            embeds = []
            for embed_fields in message:
                embed = discord.Embed(title=LIST_TITLE, colour=0x1F6FEB)
                for name, value in embed_fields:
                    embed.add_field(name=name, value=value, inline=False)
                embeds.append(embed)
            if number == 0:  # then the rest, in as many private follow-ups as needed
                embeds[0].set_footer(text=f"{len(subscriptions)} abonnement(s)")
                await interaction.response.send_message(embeds=embeds, ephemeral=True)
            else:
                await interaction.followup.send(embeds=embeds, ephemeral=True)

    @feed.command(name="test", description="Fetch a feed now and show its latest article")
    @app_commands.describe(
        subscription="A subscription of this server",
        format="Show it in this format (default: the subscription's)",
        template="A template to try, with {titre}, {résumé}, {lien}...",
    )
    @app_commands.autocomplete(subscription=subscription_choices)
    @app_commands.choices(format=FORMAT_CHOICES)
    @admin_only
    async def test(
        self,
        interaction: discord.Interaction,
        subscription: str,
        format: str | None = None,
        template: app_commands.Range[str, 1, 1500] | None = None,
    ) -> None:
        storage, fetcher = storage_of(interaction), fetcher_of(interaction)
        workers = workers_of(interaction)
        settings = interaction.client.settings  # type: ignore[attr-defined]
        assert interaction.guild is not None
        sub, feed = await find_subscription(storage, interaction.guild.id, subscription)
        if format is None and template is None:
            post_format, kept = sub.format, sub.template
        else:
            post_format, kept = chosen_format(format, template)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            result = await fetcher.fetch(feed.url, kind="feed")
            parsed = await workers.run(
                parse_task, result.body, result.final_url, result.content_type
            )
            if not parsed.entries:
                raise CommandFailed(EMPTY_FEED)
            latest = feed_views.latest_entry(parsed.entries)
            prepared = await prepare_entry(
                latest, feed_title=parsed.title or feed.title, fetcher=fetcher,
                workers=workers, settings=settings,
            )  # fmt: skip
        except FetchError as exc:
            raise CommandFailed(exc.message_about("feed")) from exc
        except FeedError as exc:
            message = EMPTY_FEED if exc.reason == "empty" else UNREADABLE_FEED
            raise CommandFailed(message) from exc
        except (SummarizerError, WorkerTimeout) as exc:
            raise CommandFailed(UNREADABLE_FEED) from exc
        payload = render(
            as_stored(prepared), post_format=post_format, template=kept, tz=settings.timezone
        )
        await interaction.followup.send(
            content=f"Aperçu du dernier article au format « {LABELS[post_format]} », tel qu'il "
            "serait publié (rien n'est enregistré) :",
            ephemeral=True,
        )
        await interaction.followup.send(
            content=payload.content or discord.utils.MISSING,
            embeds=[discord.Embed.from_dict(payload.embed)] if payload.embed else [],
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @feed.command(name="format", description="Choose how a subscription's posts look")
    @app_commands.describe(
        subscription="A subscription of this server",
        format="How posts look",
        template="Your template, with {titre}, {résumé}, {lien}... (template format)",
        corrections="Edit a post in place when its article is corrected",
        webhook="Post as the source, with its name and logo (a webhook)",
    )
    @app_commands.autocomplete(subscription=subscription_choices)
    @app_commands.choices(format=FORMAT_CHOICES)
    @admin_only
    async def format_(
        self,
        interaction: discord.Interaction,
        subscription: str,
        format: str | None = None,
        template: app_commands.Range[str, 1, 1500] | None = None,
        corrections: bool | None = None,
        webhook: bool | None = None,
    ) -> None:
        storage = storage_of(interaction)
        assert interaction.guild is not None
        sub, feed = await find_subscription(storage, interaction.guild.id, subscription)
        notes = await apply_options(
            interaction, storage, sub, feed, corrections=corrections, webhook=webhook
        )
        if format is None and template is None:
            if notes:
                return await reply(interaction, notes)
            raise CommandFailed(
                f"Format actuel de **{safe(feed_views.feed_title(feed), 200)}** : "
                f"« {LABELS[sub.format]} ». Choisissez un format (ou un modèle) pour le changer."
            )
        post_format, kept = chosen_format(format, template)
        await storage.set_format(sub.id, post_format, template=kept)
        log.info(
            "subscription format subscription_id=%s format=%s by=%s",
            sub.id, post_format.value, interaction.user.id,
        )  # fmt: skip
        text = (
            f"Format de **{safe(feed_views.feed_title(feed), 200)}** : « {LABELS[post_format]} »,"
            " pour les prochains articles. Essayez-le avec /flux tester."
        )
        await reply(interaction, f"{text} {notes}".strip())

    @feed.command(name="filter", description="Set the keywords a subscription keeps or drops")
    @app_commands.describe(
        subscription="A subscription of this server",
        include="Keywords to keep, separated by commas",
        exclude="Keywords to drop, separated by commas",
        authors="Authors to keep, separated by commas",
        categories="Categories or topics to keep, separated by commas",
        clear="Remove every filter first",
    )
    @app_commands.autocomplete(subscription=subscription_choices)
    @admin_only
    async def filter_(
        self,
        interaction: discord.Interaction,
        subscription: str,
        include: str | None = None,
        exclude: str | None = None,
        authors: str | None = None,
        categories: str | None = None,
        clear: bool = False,
    ) -> None:
        storage = storage_of(interaction)
        assert interaction.guild is not None
        sub, feed = await find_subscription(storage, interaction.guild.id, subscription)
        filters = feed_views.updated_filters(
            sub.filters, include=include, exclude=exclude, authors=authors,
            categories=categories, clear=clear,
        )  # fmt: skip
        await storage.set_filters(sub.id, filters)
        await interaction.response.send_message(
            f"Filtres de **{safe(feed_views.feed_title(feed), 200)}** : "
            f"{safe(feed_views.filters_text(filters), 1500)}.",
            ephemeral=True,
        )

    @feed.command(name="enable", description="Re-test and resume a paused subscription")
    @app_commands.describe(subscription="A subscription of this server")
    @app_commands.autocomplete(subscription=subscription_choices)
    @admin_only
    async def enable(self, interaction: discord.Interaction, subscription: str) -> None:
        services = services_of(interaction)
        storage = storage_of(interaction)
        guild = interaction.guild
        assert guild is not None
        sub, feed = await find_subscription(storage, guild.id, subscription)
        channel = guild.get_channel_or_thread(sub.channel_id)
        if not isinstance(channel, discord.TextChannel | discord.ForumChannel | discord.Thread):
            raise CommandFailed("Le salon de cet abonnement n'existe plus : retirez l'abonnement.")
        check_postable(channel, guild)
        await storage.enable_subscription(sub.id)
        await storage.set_feed_state(feed.id, FeedState.ACTIVE, now=now_of(services))
        log.info("subscription enabled subscription_id=%s by=%s", sub.id, interaction.user.id)
        await interaction.response.send_message(
            f"Abonnement réactivé : **{safe(feed_views.feed_title(feed), 200)}** sera relevé "
            "au prochain passage.",
            ephemeral=True,
        )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(FeedsCog())
