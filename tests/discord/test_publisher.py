"""DiscordPublisher against the stand-in: nonce, mentions, DMs, and the fault mapping (X1, X5,
X6, X7, X9)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest

from bot.delivery import publishers
from bot.delivery.embeds import PostPayload
from bot.discord.app import DepecheBot
from bot.discord.publisher import DiscordPublisher
from storage.records import PostRecord, PostState, TargetKind
from tests.discord_stand_in import rules
from tests.discord_stand_in.server import StandIn
from tests.discord_stand_in.world import ADMIN_ID, CHANNEL_ID
from tests.patience import PATIENCE

EMBED = {
    "title": "Le conseil municipal vote le budget",
    "url": "https://exemple.fr/a",
    "description": "Résumé.",
}


def outgoing(
    target_id: int = CHANNEL_ID,
    *,
    kind: TargetKind = TargetKind.CHANNEL,
    nonce: str = "n-1",
    content: str = "",
    mentions: tuple[int, ...] = (),
) -> publishers.OutgoingPost:
    record = PostRecord(
        id=1,
        article_id=1,
        target_kind=kind,
        target_id=target_id,
        guild_id=None,
        subscription_id=1,
        follow_id=None,
        state=PostState.SENDING,
        nonce=nonce,
        attempts=0,
        message_id=None,
        created_at=datetime.now(UTC),
        sent_at=None,
        last_error=None,
    )
    return publishers.OutgoingPost(record, PostPayload(content, dict(EMBED), mentions))


def assert_invariants(stand_in: StandIn) -> None:
    """X9: every message the bot sent is within the limits, mentions none (or only the pinged
    users), an http(s) embed URL, a nonce on channel sends."""
    for request in stand_in.sent():
        body = request.json
        assert rules.check_message(body) == []
        assert body["allowed_mentions"]["parse"] == []
        assert body["nonce"] and body["enforce_nonce"] is True
        for embed in body.get("embeds") or []:
            assert embed["url"].startswith(("http://", "https://"))


async def test_channel_send_with_nonce_is_not_duplicated(
    stand_in: StandIn, bot: DepecheBot
) -> None:
    """X9: a channel send carries the post's own deterministic nonce (discord.py would add a
    random one), so a retry after a crash is the same message."""
    publisher = DiscordPublisher(bot)
    first = await publisher.publish(outgoing())
    second = await publisher.publish(outgoing())  # a retry after a crash: same nonce
    assert first == second
    assert len(stand_in.world.messages[CHANNEL_ID]) == 1
    assert stand_in.sent()[0].json["allowed_mentions"] == {"parse": []}
    assert_invariants(stand_in)


async def test_follow_ping_allows_only_that_user(stand_in: StandIn, bot: DepecheBot) -> None:
    await DiscordPublisher(bot).publish(outgoing(content=f"<@{ADMIN_ID}>", mentions=(ADMIN_ID,)))
    assert stand_in.sent()[0].json["allowed_mentions"] == {"parse": [], "users": [ADMIN_ID]}
    assert_invariants(stand_in)


async def test_dm_goes_through_create_dm(stand_in: StandIn, bot: DepecheBot) -> None:
    message_id = await DiscordPublisher(bot).publish(outgoing(ADMIN_ID, kind=TargetKind.DM))
    dm = stand_in.world.dm_channels[ADMIN_ID]
    assert [m["id"] for m in stand_in.world.messages[int(dm["id"])]] == [message_id]
    assert stand_in.sent("POST", "/users/@me/channels")[0].json == {"recipient_id": ADMIN_ID}


async def test_x1_bucket_429_is_waited_out_once(stand_in: StandIn, bot: DepecheBot) -> None:
    stand_in.fail_channel("ratelimit", CHANNEL_ID, retry_after=1.2)
    started = time.monotonic()
    await DiscordPublisher(bot).publish(outgoing())
    assert time.monotonic() - started >= 1.2
    assert len(stand_in.world.messages[CHANNEL_ID]) == 1
    assert [r.status for r in stand_in.sent()] == [429, 200]  # no app-level retry on top


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("forbidden", publishers.Forbidden),
        ("missing_access", publishers.Forbidden),
        ("not_found", publishers.TargetGone),
        ("invalid_form", publishers.BadPayload),
        ("unavailable", publishers.Unavailable),
        ("cloudflare", publishers.RateLimited),
    ],
)
async def test_faults_map_to_publish_errors(
    stand_in: StandIn, bot: DepecheBot, kind: str, error: type[publishers.PublishError]
) -> None:
    stand_in.fail_channel(kind, CHANNEL_ID)
    with pytest.raises(error):
        await DiscordPublisher(bot).publish(outgoing())
    assert len(stand_in.sent()) == 1  # raised at once, not retried
    assert CHANNEL_ID not in stand_in.world.messages


async def test_x3_huge_retry_after_raises_rate_limited(stand_in: StandIn, bot: DepecheBot) -> None:
    stand_in.fail_channel("ratelimit", CHANNEL_ID, retry_after=3600)
    with pytest.raises(publishers.RateLimited) as caught:
        async with asyncio.timeout(PATIENCE):  # far below the hour it must not wait
            await DiscordPublisher(bot).publish(outgoing())
    assert caught.value.retry_after == 3600
    assert len(stand_in.sent()) == 1  # refused at once, not waited out and retried


async def test_real_missing_permission_is_forbidden(stand_in: StandIn, bot: DepecheBot) -> None:
    from tests.discord_stand_in.world import SEND_MESSAGES

    stand_in.world.deny_bot(CHANNEL_ID, SEND_MESSAGES)
    with pytest.raises(publishers.Forbidden):
        await DiscordPublisher(bot).publish(outgoing())


async def test_a_json_429_that_outlasts_discord_py_retries_is_not_taken_for_cloudflare(
    stand_in: StandIn, bot: DepecheBot
) -> None:
    """X4 is for Cloudflare's ban only: Discord's own JSON 429 (with Via) that discord.py's
    five tries did not outlast pauses delivery briefly, not for ten minutes."""
    stand_in.fail_channel("ratelimit", CHANNEL_ID, times=10, retry_after=0.01)
    with pytest.raises(publishers.RateLimited) as caught:
        await DiscordPublisher(bot).publish(outgoing())
    assert len(stand_in.sent()) > 1  # discord.py retried on its own first
    assert caught.value.retry_after < 60
    stand_in.faults.clear()
    stand_in.fail_channel("cloudflare", CHANNEL_ID)
    with pytest.raises(publishers.RateLimited) as banned:
        await DiscordPublisher(bot).publish(outgoing())
    assert banned.value.retry_after == 600
