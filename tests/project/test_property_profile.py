"""T2: the property tests P1–P3 run 500 examples each (10,000 under ``make nightly``) and keep
their failures in the Hypothesis database, so the next run replays them first. T6: ``make fuzz``
keeps HypoFuzz's corpus in tests/fixtures/fuzz, whose crashes every run replays."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis.database import (
    DirectoryBasedExampleDatabase,
    ExampleDatabase,
    MultiplexedDatabase,
    ReadOnlyDatabase,
)

from tests.conftest import FUZZ_CORPUS, NIGHTLY_EXAMPLES, PROPERTY_EXAMPLES, ROOT
from tests.discord import test_output_safety
from tests.engine import test_embeds, test_state_machine
from tests.summarizer_feeds import test_feeds

GIVEN_PROPERTIES: dict[str, list[Callable[..., Any]]] = {
    "P1": [
        test_feeds.test_p1_arbitrary_bytes_only_raise_feed_error,
        test_feeds.test_p1_xmlish_documents_only_raise_feed_error,
        test_feeds.test_p1_markup_prefixed_bytes_only_raise_feed_error,
    ],
    "P2": [
        test_embeds.test_rendered_posts_respect_discord_limits,
        test_output_safety.test_property_rendered_posts_pass_the_stand_ins_rules,
    ],
}


def marked_property(test: Callable[..., Any]) -> bool:
    return any(mark.name == "property" for mark in getattr(test, "pytestmark", ()))


def test_t2_profile_runs_500_examples_and_nightly_10000() -> None:
    assert PROPERTY_EXAMPLES == 500 and NIGHTLY_EXAMPLES == 10_000
    assert settings.get_profile("depeche").max_examples == PROPERTY_EXAMPLES
    assert settings.get_profile("nightly").max_examples == NIGHTLY_EXAMPLES
    assert settings.default.max_examples >= PROPERTY_EXAMPLES  # depeche, or nightly


@pytest.mark.parametrize("item", ["P1", "P2"])
def test_t2_given_properties_take_the_profile_count(item: str) -> None:
    for test in GIVEN_PROPERTIES[item]:
        used = test._hypothesis_internal_use_settings  # type: ignore[attr-defined]
        assert used.max_examples == settings.default.max_examples, test.__name__
        assert marked_property(test), f"{test.__name__} is not marked property (make nightly)"


def test_t2_p3_state_machine_takes_the_profile_count() -> None:
    assert test_state_machine.P3_SETTINGS.max_examples == settings.default.max_examples
    assert marked_property(test_state_machine.test_p3_feed_versions_state_machine)


def directories(database: ExampleDatabase) -> list[tuple[str, Path]]:
    """The directory databases inside ``database``, each with its access: rw or ro."""
    if isinstance(database, MultiplexedDatabase):
        return [found for inner in database._wrapped for found in directories(inner)]
    if isinstance(database, ReadOnlyDatabase):
        return [("ro", path) for _, path in directories(database._wrapped)]
    if isinstance(database, DirectoryBasedExampleDatabase):
        return [("rw", Path(database.path))]
    return []


def test_t2_failing_examples_are_kept_in_the_project_database() -> None:
    assert ("rw", ROOT / ".hypothesis" / "examples") in directories(settings.default.database)
    assert settings.default.print_blob


def test_t6_fuzzer_keeps_its_corpus_in_the_repository_and_every_run_replays_its_crashes() -> None:
    assert FUZZ_CORPUS == ROOT / "tests" / "fixtures" / "fuzz"
    assert directories(settings.get_profile("fuzz").database) == [("rw", FUZZ_CORPUS)]
    assert ("ro", FUZZ_CORPUS) in directories(settings.get_profile("depeche").database)
