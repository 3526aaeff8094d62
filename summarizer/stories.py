"""One story told by several outlets: which earlier article a new one retells (issue 11).

``StoryIndex`` keeps the recent articles in memory (at most ``capacity``, none older than
``history`` before the newest) with an inverted index from word to articles, so placing an
article reads only the articles that share its rarest words, never the whole window.

The score (``method="jaccard"``, the default) is the Jaccard index of the two articles' sets
of title and lede words (``story_features``): what MinHash estimates, computed exactly on the
few candidates, which the inverted index finds better than MinHash's bands would. The other
method, ``"cosine"``, is the cosine of TF-IDF vectors of the same words (document frequencies
of the articles kept: a month of them, not only the 48 h window, so that a quiet day does not
make every word look rare). An article joins the story of its best candidate when:

- both were published within ``window`` of each other;
- the score is at least ``threshold`` (``THRESHOLDS[method]`` by default);
- they share at least ``min_names`` named entities (fewer only when one of them has fewer, but
  always one: "Une médiathèque ouvre ses portes" in two towns is two stories).

Precision comes first (a false merge hides a story; a missed one only repeats it), and the
defaults were chosen on measurement by ``benchmarks/stories.py`` (see its docstring for the
figures of each method tried). Pure: no I/O, no clock; the caller passes the dates.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from summarizer.story_features import StoryFeatures, story_features

DEFAULT_WINDOW = timedelta(hours=48)
DEFAULT_CAPACITY = 5_000
DEFAULT_HISTORY = timedelta(days=30)
METHODS = ("jaccard", "cosine")
THRESHOLDS = {"jaccard": 0.32, "cosine": 0.6}  # chosen on benchmarks/stories.py
DEFAULT_THRESHOLD = THRESHOLDS["jaccard"]
DEFAULT_MIN_NAMES = 2
PROBE_WORDS = 8  # the rarest words of an article that look for candidates
MAX_CANDIDATES = 32  # candidates scored, the ones sharing most probe words
COMMON_WORD = 0.05  # a word in more than this share of the articles kept finds no candidates


@dataclass(frozen=True, slots=True)
class StoryArticle:
    """What the matcher reads of an article. ``key`` is unique among the articles placed."""

    key: str
    title: str
    text: str  # the lede first (feed description, page text); only the lede is read
    published: datetime  # aware; the time the article was published (or first seen)
    source: str = ""


@dataclass(frozen=True, slots=True)
class StoryDecision:
    """Which story an article joined: its own (``matched`` None) or that of ``matched``."""

    story: str  # the key of the story's first article
    score: float  # cosine with ``matched``, 0.0 for a new story
    matched: str | None = None
    shared: tuple[str, ...] = ()  # the named entities in common, sorted

    @property
    def is_new(self) -> bool:
        return self.matched is None


@dataclass(slots=True)
class _Entry:
    article: StoryArticle
    features: StoryFeatures
    decision: StoryDecision


class StoryIndex:
    """The recent articles, by word; see the module docstring."""

    def __init__(
        self,
        *,
        window: timedelta = DEFAULT_WINDOW,
        capacity: int = DEFAULT_CAPACITY,
        history: timedelta = DEFAULT_HISTORY,
        threshold: float | None = None,
        min_names: int = DEFAULT_MIN_NAMES,
        method: str = "jaccard",
    ) -> None:
        if capacity < 1 or window <= timedelta(0) or method not in METHODS:
            raise ValueError("capacity and window must be positive, method one of METHODS")
        self.method = method
        threshold = THRESHOLDS[method] if threshold is None else threshold
        self.window, self.capacity, self.history = window, capacity, max(history, window)
        self.threshold, self.min_names = threshold, min_names
        self._entries: dict[str, _Entry] = {}
        self._order: deque[str] = deque()
        self._postings: dict[str, set[str]] = {}
        self._newest: datetime | None = None

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def story_of(self, key: str) -> str | None:
        entry = self._entries.get(key)
        return entry.decision.story if entry else None

    def place(
        self, article: StoryArticle, *, features: StoryFeatures | None = None
    ) -> StoryDecision:
        """Decide which story ``article`` joins, then remember it (idempotent on its key).
        ``features``: ``story_features(article.title, article.text)`` computed beforehand (by
        a worker process, off the bot's event loop)."""
        known = self._entries.get(article.key)
        if known is not None:
            return known.decision
        if features is None:
            features = story_features(article.title, article.text)
        decision = self._decide(article, features)
        self._remember(article, features, decision)
        return decision

    def decide(self, article: StoryArticle) -> StoryDecision:
        """The decision ``place`` would take, without remembering the article."""
        return self._decide(article, story_features(article.title, article.text))

    def add(
        self, article: StoryArticle, story: str, *, features: StoryFeatures | None = None
    ) -> None:
        """Remember an article already placed (at start-up, from storage's decisions)."""
        if article.key not in self._entries:
            features = features or story_features(article.title, article.text)
            self._remember(article, features, StoryDecision(story=story, score=0.0))

    def _remember(
        self, article: StoryArticle, features: StoryFeatures, decision: StoryDecision
    ) -> None:
        self._entries[article.key] = _Entry(article, features, decision)
        self._order.append(article.key)
        for word in features.words:
            self._postings.setdefault(word, set()).add(article.key)
        if self._newest is None or article.published > self._newest:
            self._newest = article.published
        self._evict()

    def _evict(self) -> None:
        assert self._newest is not None
        horizon = self._newest - self.history
        while self._order and (
            len(self._order) > self.capacity
            or self._entries[self._order[0]].article.published < horizon
        ):
            self._forget(self._order.popleft())

    def _forget(self, key: str) -> None:
        entry = self._entries.pop(key)
        for word in entry.features.words:
            keys = self._postings[word]
            keys.discard(key)
            if not keys:
                del self._postings[word]

    def _idf(self, word: str) -> float:
        count = len(self._postings.get(word, ()))
        return math.log((len(self._entries) + 1) / (count + 1)) + 1.0

    def _candidates(self, features: StoryFeatures) -> list[str]:
        common = max(50, int(len(self._entries) * COMMON_WORD))
        present = [
            word for word in features.words if 0 < len(self._postings.get(word, ())) <= common
        ]
        present.sort(key=lambda word: (len(self._postings[word]), word))
        hits: dict[str, int] = {}
        for word in present[:PROBE_WORDS]:
            for key in self._postings[word]:
                hits[key] = hits.get(key, 0) + 1
        needed = min(2, len(present))
        ranked = sorted(
            (key for key, count in hits.items() if count >= needed), key=hits.__getitem__
        )
        return ranked[-MAX_CANDIDATES:]

    def _vector(self, features: StoryFeatures) -> tuple[dict[str, float], float]:
        vector = {word: weight * self._idf(word) for word, weight in features.words.items()}
        return vector, math.sqrt(sum(value * value for value in vector.values()))

    def _decide(self, article: StoryArticle, features: StoryFeatures) -> StoryDecision:
        if features.is_empty:
            return StoryDecision(story=article.key, score=0.0)
        vector, norm = self._vector(features) if self.method == "cosine" else (features.words, 0.0)
        best: tuple[float, str] | None = None
        for key in self._candidates(features):
            entry = self._entries[key]
            if abs(entry.article.published - article.published) > self.window:
                continue
            needed = max(1, min(self.min_names, len(features.names), len(entry.features.names)))
            if len(features.names & entry.features.names) < needed:
                continue
            score = self._similarity(vector, norm, entry.features)
            if score >= self.threshold and (best is None or (score, key) > best):
                best = (score, key)
        if best is None:
            return StoryDecision(story=article.key, score=0.0)
        score, key = best
        entry = self._entries[key]
        shared = tuple(sorted(features.names & entry.features.names))
        return StoryDecision(
            story=entry.decision.story, score=round(score, 4), matched=key, shared=shared
        )

    def _similarity(self, vector: dict[str, float], norm: float, other: StoryFeatures) -> float:
        if self.method == "jaccard":
            common = sum(1 for word in vector if word in other.words)
            union = len(vector) + len(other.words) - common
            return common / union if union else 0.0
        return self._cosine(vector, norm, other)

    def _cosine(self, vector: dict[str, float], norm: float, other: StoryFeatures) -> float:
        other_vector, other_norm = self._vector(other)
        if not norm or not other_norm:
            return 0.0
        dot = sum(value * other_vector.get(word, 0.0) for word, value in vector.items())
        return min(1.0, dot / (norm * other_norm))
