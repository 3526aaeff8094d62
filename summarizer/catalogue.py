"""The catalogue of well-known French news sources, for ``/feed add le-monde`` and autocomplete.

Feed URLs are the publishers' public RSS feeds as known when this list was written; publishers
move them now and then, so the bot still fetches and validates each one like any other URL.
Lookups ignore case, accents, spaces, hyphens and apostrophes ("L'Équipe" = "lequipe").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from summarizer.urls import fold_accents


@dataclass(frozen=True, slots=True)
class Source:
    """A catalogued news source. ``description`` is French (shown to users)."""

    slug: str
    name: str
    feed_url: str
    site_url: str
    aliases: tuple[str, ...] = ()
    description: str = ""


def _source(slug: str, name: str, feed: str, site: str, aliases: str, description: str) -> Source:
    names = tuple(alias.strip() for alias in aliases.split(",") if alias.strip())
    return Source(slug, name, feed, site, names, description)


CATALOGUE: tuple[Source, ...] = (
    _source("le-monde", "Le Monde", "https://www.lemonde.fr/rss/une.xml",
            "https://www.lemonde.fr/", "lemonde.fr, monde", "Quotidien national : la une."),
    _source("franceinfo", "franceinfo", "https://www.francetvinfo.fr/titres.rss",
            "https://www.francetvinfo.fr/", "france info, francetvinfo, france tv info",
            "Service public : les titres de l'actualité."),
    _source("le-figaro", "Le Figaro", "https://www.lefigaro.fr/rss/figaro_actualites.xml",
            "https://www.lefigaro.fr/", "figaro, lefigaro.fr", "Quotidien national : l'actualité."),
    _source("liberation", "Libération",
            "https://www.liberation.fr/arc/outboundfeeds/rss-all/?outputType=xml",
            "https://www.liberation.fr/", "libe, libé", "Quotidien national : tous les articles."),
    _source("20-minutes", "20 Minutes", "https://www.20minutes.fr/feeds/rss-une.xml",
            "https://www.20minutes.fr/", "20minutes, 20 min", "Quotidien gratuit : la une."),
    _source("01net", "01net", "https://www.01net.com/feed/", "https://www.01net.com/",
            "01 net", "Actualité high-tech et numérique."),
    _source("numerama", "Numerama", "https://www.numerama.com/feed/",
            "https://www.numerama.com/", "", "Technologie, sciences et société numérique."),
    _source("frandroid", "Frandroid", "https://www.frandroid.com/feed",
            "https://www.frandroid.com/", "fr android", "Smartphones, Android et high-tech."),
    _source("les-numeriques", "Les Numériques", "https://www.lesnumeriques.com/rss.xml",
            "https://www.lesnumeriques.com/", "lesnumeriques, numeriques",
            "Tests et actualité des produits high-tech."),
    _source("next", "Next", "https://next.ink/feed/", "https://next.ink/",
            "next.ink, next inpact, nextinpact, pc inpact",
            "Actualité du numérique, enquêtes et analyses."),
    _source("france-24", "France 24", "https://www.france24.com/fr/rss",
            "https://www.france24.com/fr/", "france24", "Chaîne d'information internationale."),
    _source("rfi", "RFI", "https://www.rfi.fr/fr/rss", "https://www.rfi.fr/fr/",
            "radio france internationale", "Radio France Internationale : l'actualité mondiale."),
    _source("ouest-france", "Ouest-France", "https://www.ouest-france.fr/rss/une",
            "https://www.ouest-france.fr/", "ouest france, ouestfrance",
            "Quotidien régional : la une."),
    _source("l-equipe", "L'Équipe", "https://dwh.lequipe.fr/api/edito/rss?path=/",
            "https://www.lequipe.fr/", "lequipe, equipe", "Quotidien sportif : toute l'actualité."),
    _source("courrier-international", "Courrier international",
            "https://www.courrierinternational.com/feed/all/rss.xml",
            "https://www.courrierinternational.com/", "courrier inter, courrier",
            "La presse étrangère traduite en français."),
    _source("le-parisien", "Le Parisien", "https://feeds.leparisien.fr/leparisien/rss",
            "https://www.leparisien.fr/", "leparisien, parisien, aujourd'hui en france",
            "Quotidien d'Île-de-France et national."),
    _source("mediapart", "Mediapart", "https://www.mediapart.fr/articles/feed",
            "https://www.mediapart.fr/", "media part", "Journal d'investigation en ligne."),
    _source("les-echos", "Les Echos", "https://services.lesechos.fr/rss/les-echos-actualites.xml",
            "https://www.lesechos.fr/", "lesechos, echos, les échos",
            "Quotidien économique et financier."),
    _source("bfmtv", "BFMTV", "https://www.bfmtv.com/rss/news-24-7/",
            "https://www.bfmtv.com/", "bfm, bfm tv", "Chaîne d'information en continu."),
    _source("korben", "Korben", "https://korben.info/feed", "https://korben.info/",
            "korben.info", "Blog d'actualité informatique et astuces."),
    _source("le-point", "Le Point", "https://www.lepoint.fr/rss.xml", "https://www.lepoint.fr/",
            "lepoint", "Hebdomadaire d'actualité."),
    _source("l-obs", "L'Obs", "https://www.nouvelobs.com/rss.xml", "https://www.nouvelobs.com/",
            "nouvel obs, nouvelobs, le nouvel observateur", "Hebdomadaire d'actualité."),
    _source("la-croix", "La Croix", "https://www.la-croix.com/RSS/UNIVERS",
            "https://www.la-croix.com/", "lacroix", "Quotidien national : l'actualité."),
    _source("huffpost", "Le HuffPost", "https://www.huffingtonpost.fr/feeds/index.xml",
            "https://www.huffingtonpost.fr/", "huffington post, huffpost, le huffpost",
            "Site d'information généraliste."),
    _source("euronews", "Euronews", "https://fr.euronews.com/rss", "https://fr.euronews.com/",
            "euronews fr", "Chaîne d'information européenne."),
    _source("journal-du-geek", "Journal du Geek", "https://www.journaldugeek.com/feed/",
            "https://www.journaldugeek.com/", "jdg, journaldugeek",
            "Actualité geek, high-tech et culture numérique."),
)  # fmt: skip

_SEPARATORS_RE = re.compile(r"[\s'’\-_.]+")


def _fold(name: str) -> str:
    """ "L'Équipe" -> "lequipe": case, accents, spaces, hyphens, dots and apostrophes ignored."""
    return _SEPARATORS_RE.sub("", fold_accents(name))


def _forms(source: Source) -> tuple[str, ...]:
    return tuple(_fold(name) for name in (source.slug, source.name, *source.aliases))


def find_source(name: str) -> Source | None:
    """The catalogued source called ``name`` (slug, name or alias), or None."""
    wanted = _fold(name)
    if not wanted:
        return None
    for source in CATALOGUE:
        if wanted in _forms(source):
            return source
    return None


def search_sources(prefix: str, limit: int = 25) -> list[Source]:
    """Sources for autocomplete: prefix matches on any form first, then substring matches."""
    wanted = _fold(prefix)
    if not wanted:
        return list(CATALOGUE[:limit])
    starts = [s for s in CATALOGUE if any(f.startswith(wanted) for f in _forms(s))]
    contains = [s for s in CATALOGUE if s not in starts and any(wanted in f for f in _forms(s))]
    return (starts + contains)[: max(limit, 0)]
