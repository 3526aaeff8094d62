from tests.discord_stand_in.fixtures import stand_in  # noqa: F401
