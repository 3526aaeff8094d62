"""/help and /ping."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

HELP_TITLE = "Dépêche : l'actualité française, résumée"
HELP_TEXT = (
    "Je relève des flux d'actualité (RSS ou Atom), j'écris un court résumé de chaque nouvel "
    "article à partir de ses propres phrases et je le publie dans un salon.\n\n"
    "**Pour commencer** (gestion du serveur requise) :\n"
    "• `/flux ajouter` avec l'adresse d'un site, d'un flux ou un nom du catalogue "
    "(franceinfo, le-monde, 01net…)\n"
    "• `/flux liste` pour voir les flux et leur état\n"
    "• `/revue programmer` pour publier chaque jour la revue de presse à l'heure choisie\n\n"
    "**Pour tout le monde** :\n"
    "• `/résumé` : résumer un article à partir de son adresse\n"
    "• `/résumés` : les derniers articles sur un thème ou d'un auteur\n"
    "• `/suivre` : recevoir les nouveaux articles sur un thème ou d'un auteur\n"
    "• `/suivis` et `/ne-plus-suivre` : gérer vos suivis\n"
    "• `/revue maintenant` : la revue de presse du jour ; `/tendances` : les sujets en hausse"
)


def help_embed() -> discord.Embed:
    embed = discord.Embed(title=HELP_TITLE, description=HELP_TEXT, colour=0x1F6FEB)
    embed.set_footer(text="Les résumés reprennent des phrases des articles, sans les réécrire.")
    return embed


class General(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="What this bot does and how to start")
    async def help(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(embed=help_embed(), ephemeral=True)

    @app_commands.command(name="ping", description="Check that the bot answers")
    async def ping(self, interaction: discord.Interaction) -> None:
        latency = self.bot.latency
        shown = f"{latency * 1000:.0f} ms" if latency == latency and latency < 1e6 else "inconnue"
        await interaction.response.send_message(f"Pong ! Latence : {shown}.", ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(General(bot))
