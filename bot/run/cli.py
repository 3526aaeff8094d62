"""The ``depeche`` command: ``run``, ``summarize``, ``preview``, ``backup``, ``migrate-db``,
``sources``.

Argument parsing and printing only; the work is done by the core (``summarizer``) and by the
run modes (``bot.run.console_mode``, ``bot.run.discord_mode``) and ``bot.run.oneshot``.
Messages for the person at the terminal are in French.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.run import console, logs, oneshot
from bot.run.arguments import FrenchParser, one_of, whole_number
from bot.run.console_mode import run_console
from bot.settings import Settings, SettingsError, load_settings
from summarizer.summary import ALGORITHMS

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = FrenchParser(
        prog="depeche",
        description="Dépêche : l'actualité française résumée dans Discord.",
    )
    parser.add_argument(
        "--env-file", default=".env", metavar="FICHIER", help="fichier de réglages (défaut : .env)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMANDE")

    run = commands.add_parser("run", help="lancer le bot (mode console sans DISCORD_TOKEN)")
    run.add_argument("--once", action="store_true", help="une seule relève puis arrêt")
    run.set_defaults(handler=_run)

    summarize = commands.add_parser("summarize", help="résumer une page (URL ou fichier)")
    summarize.add_argument(
        "source",
        metavar="SOURCE",
        help="URL http(s), fichier HTML ou texte (un fichier .gz est décompressé)",
    )
    summarize.add_argument("--json", action="store_true", help="sortie JSON")
    summarize.add_argument(
        "--algorithm",
        type=one_of(ALGORITHMS),
        metavar="MÉTHODE",
        help=f"méthode de résumé : {', '.join(ALGORITHMS)} (défaut : SUMMARY_ALGORITHM)",
    )
    summarize.add_argument(
        "--max-sentences", type=whole_number(1), metavar="N", help="nombre maximal de phrases"
    )
    summarize.add_argument(
        "--max-chars", type=whole_number(1), metavar="N", help="longueur maximale en caractères"
    )
    summarize.set_defaults(handler=_summarize)

    preview = commands.add_parser(
        "preview",
        help="aperçu des derniers articles d'un flux",
        description=(
            "Aperçu des derniers articles d'un flux, tels que Dépêche les publierait. "
            "Même pour un fichier local, la page de chaque article est téléchargée "
            "(son lien) pour le résumer ; --no-fetch s'en tient au contenu du flux."
        ),
    )
    preview.add_argument(
        "feed",
        metavar="FLUX",
        help="URL du flux, nom du catalogue ou fichier local (la page de chaque article est "
        "quand même téléchargée, sauf avec --no-fetch)",
    )
    preview.add_argument(
        "--limit",
        type=whole_number(1, oneshot.MAX_PREVIEW),
        default=3,
        metavar="N",
        help=f"nombre d'articles, de 1 à {oneshot.MAX_PREVIEW} (défaut : 3)",
    )
    preview.add_argument(
        "--no-fetch",
        action="store_true",
        help="ne télécharger aucune page d'article : résumer le contenu du flux seul",
    )
    preview.add_argument("--json", action="store_true", help="sortie JSON")
    preview.set_defaults(handler=_preview)

    backup = commands.add_parser("backup", help="sauvegarde à chaud de la base")
    backup.add_argument(
        "destination", type=Path, metavar="FICHIER", help="fichier de sauvegarde à créer"
    )
    backup.set_defaults(handler=_backup)

    migrate = commands.add_parser(
        "migrate-db",
        help="copier la base vers une base vide (SQLite vers PostgreSQL ou l'inverse)",
        description=(
            "Copie toute la base SOURCE (flux, articles vus, abonnements, suivis, publications "
            "en attente) dans la base CIBLE, qui doit être vide, puis vérifie le nombre de "
            "lignes de chaque table. Arrêtez le bot pendant la copie."
        ),
    )
    migrate.add_argument(
        "source", metavar="SOURCE", help="base à copier : chemin, sqlite:///… ou postgresql://…"
    )
    migrate.add_argument(
        "target", metavar="CIBLE", help="base vide qui reçoit la copie (créée si besoin)"
    )
    migrate.set_defaults(handler=_migrate_db)

    sources = commands.add_parser("sources", help="lister le catalogue de sources")
    sources.set_defaults(handler=_sources)
    _opml_parser(commands)
    return parser


def _opml_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    opml = commands.add_parser("opml", help="exporter ou importer les abonnements (OPML)")
    actions = opml.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = actions.add_parser("export", help="écrire les abonnements dans un fichier OPML")
    export.add_argument("file", type=Path, metavar="FICHIER", help="fichier OPML à écrire")
    export.add_argument("--guild", type=int, metavar="ID", help="un serveur (défaut : tous)")
    export.set_defaults(handler=_opml_export)
    imported = actions.add_parser("import", help="abonner un salon aux flux d'un fichier OPML")
    imported.add_argument("file", type=Path, metavar="FICHIER", help="fichier OPML à lire")
    imported.add_argument("--guild", type=int, metavar="ID", required=True, help="le serveur")
    imported.add_argument("--channel", type=int, metavar="ID", required=True, help="le salon")
    imported.set_defaults(handler=_opml_import)


def _opml_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.run import opml_cli

    count = opml_cli.write_file(args.file, asyncio.run(opml_cli.export_data(settings, args.guild)))
    print(f"{count} flux écrits dans {args.file}.")
    return 0


def _opml_import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.run import opml_cli

    outlines = opml_cli.outlines_of(args.file)
    report = asyncio.run(
        opml_cli.import_outlines_into(
            settings, outlines, guild_id=args.guild, channel_id=args.channel
        )
    )
    print(report.french(limit=None))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args.env_file)
    except SettingsError as exc:
        print(f"Erreur de configuration : {exc}", file=sys.stderr)
        return 2
    service = args.command == "run" and settings.has_token  # Discord mode: a service's log
    logs.configure_logging(settings.log_level, for_a_person=not service, log_file=settings.log_file)
    try:
        return int(args.handler(args, settings))
    except KeyboardInterrupt:
        print("\nInterrompu.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the output went to a pipe closed early (`| head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except console.UserFacingError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: one French line for the person, the details in the log
        log.debug("cli.unexpected_error", exc_info=True)
        log.error("cli.unexpected_error type=%s", type(exc).__name__)
        print(
            "Erreur inattendue : relancez avec LOG_LEVEL=DEBUG pour les détails techniques.",
            file=sys.stderr,
        )
        return 1


def _with_overrides(args: argparse.Namespace, settings: Settings) -> Settings:
    from dataclasses import replace

    changes = {
        name: value
        for name, value in (
            ("summary_algorithm", args.algorithm),
            ("summary_max_sentences", args.max_sentences),
            ("summary_max_chars", args.max_chars),
        )
        if value is not None
    }
    return replace(settings, **changes)


async def run(settings: Settings, *, once: bool = False) -> int:
    """``depeche run``: Discord with a token, the console otherwise."""
    if not settings.has_token:
        print(console.NO_TOKEN_BANNER, file=sys.stderr)
        return await run_console(settings, once=once)
    from bot.run.discord_mode import run_discord  # discord.py is only imported when needed

    return await run_discord(settings)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(run(settings, once=args.once))


def _summarize(args: argparse.Namespace, settings: Settings) -> int:
    settings = _with_overrides(args, settings)
    prepared = oneshot.summarize_source(args.source, settings)
    if args.json:
        print(json.dumps(console.prepared_to_json(prepared), ensure_ascii=False, indent=2))
    else:
        print(console.format_prepared(prepared, settings.timezone))
    return 0


def _preview(args: argparse.Namespace, settings: Settings) -> int:
    local = oneshot.local_feed(args.feed)
    fetch_pages = not args.no_fetch
    items = asyncio.run(
        oneshot.preview(settings, args.feed, limit=args.limit, local=local, fetch_pages=fetch_pages)
    )
    if args.json:
        payload = [console.prepared_to_json(item) for item in items]
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    elif not items:
        print(console.EMPTY_FEED)
    else:
        print("\n\n".join(console.format_prepared(item, settings.timezone) for item in items))
    return 0


def _backup(args: argparse.Namespace, settings: Settings) -> int:
    if args.destination.exists():
        raise console.UserFacingError(f"{args.destination} existe déjà : choisissez un autre nom.")
    asyncio.run(oneshot.backup(settings, args.destination))
    print(f"Sauvegarde écrite dans {args.destination}.")
    return 0


def _migrate_db(args: argparse.Namespace, settings: Settings) -> int:
    from bot.run.migrate import describe, migrate_db

    report = asyncio.run(migrate_db(args.source, args.target))
    print(describe(report, args.source, args.target))
    return 0


def _sources(args: argparse.Namespace, settings: Settings) -> int:
    from summarizer.catalogue import CATALOGUE

    for source in CATALOGUE:
        print(f"{source.slug:<24} {source.name:<28} {source.feed_url}")
    return 0
