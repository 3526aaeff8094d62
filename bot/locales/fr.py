# ruff: noqa: E501
"""French localizations of the slash commands: names (valid under Discord's name rule, lower
case) and descriptions (1-100 characters), keyed by the default English string."""

from __future__ import annotations

NAMES: dict[str, str] = {
    # commands and groups
    "feed": "flux",
    "add": "ajouter",
    "remove": "retirer",
    "list": "liste",
    "test": "tester",
    "filter": "filtre",
    "enable": "activer",
    "summary": "résumé",
    "summaries": "résumés",
    "follow": "suivre",
    "unfollow": "ne-plus-suivre",
    "following": "suivis",
    "help": "aide",
    "ping": "ping",
    # parameters
    "url": "adresse",
    "source": "source",
    "channel": "salon",
    "backfill": "rattrapage",
    "subscription": "abonnement",
    "include": "inclure",
    "exclude": "exclure",
    "topic": "thème",
    "author": "auteur",
    "term": "terme",
    "where": "où",
    "follow_id": "suivi",
    # choices
    "Direct message": "Message privé",
    "This channel": "Ce salon",
}

DESCRIPTIONS: dict[str, str] = {
    "Manage the news feeds posted on this server": "Gérer les flux d'actualité publiés sur ce serveur",
    "Subscribe a channel to a feed": "Abonner un salon à un flux",
    "Site or feed address, or a catalogue name": "Adresse du site ou du flux, ou nom du catalogue",
    "Channel to post in (default: this one)": "Salon où publier (par défaut : celui-ci)",
    "Number of recent articles to post now (0-10)": "Nombre d'articles récents à publier tout de suite (0 à 10)",
    "Unsubscribe a feed": "Désabonner un flux",
    "A subscription of this server": "Un abonnement de ce serveur",
    "List this server's feeds and their health": "Lister les flux du serveur et leur état",
    "Fetch a feed now and show its latest article": "Relever un flux maintenant et montrer son dernier article",
    "Set the keywords a subscription keeps or drops": "Choisir les mots-clés qu'un abonnement garde ou écarte",
    "Keywords to keep, separated by commas": "Mots-clés à garder, séparés par des virgules",
    "Keywords to drop, separated by commas": "Mots-clés à écarter, séparés par des virgules",
    "Re-test and resume a paused subscription": "Retester et relancer un abonnement en pause",
    "Summarize an article from its address": "Résumer un article à partir de son adresse",
    "Article address (http or https)": "Adresse de l'article (http ou https)",
    "Latest stored articles on a topic or by an author": "Derniers articles enregistrés sur un thème ou d'un auteur",
    "Topic or keywords": "Thème ou mots-clés",
    "Author name": "Nom de l'auteur",
    "Get new articles on a topic or by an author": "Recevoir les nouveaux articles sur un thème ou d'un auteur",
    "Follow a topic": "Suivre un thème",
    "Follow an author": "Suivre un auteur",
    "Topic or author to follow": "Thème ou auteur à suivre",
    "Where to receive them (default: direct message)": "Où les recevoir (par défaut : en message privé)",
    "Stop following a topic or an author": "Ne plus suivre un thème ou un auteur",
    "The follow to remove": "Le suivi à retirer",
    "List what you follow": "Lister ce que vous suivez",
    "What this bot does and how to start": "Ce que fait ce bot et comment commencer",
    "Check that the bot answers": "Vérifier que le bot répond",
}
