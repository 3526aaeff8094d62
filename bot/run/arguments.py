"""argparse in French: the parser class of ``depeche`` and the option types it validates with.

argparse writes its own words in English ("usage:", "invalid choice", "the following arguments
are required"). ``FrenchParser`` renders usage, help headings and errors in French; the option
types reject bad values (``--max-sentences 0``, ``--algorithm foo``) before any work starts,
so a mistyped option is one French line and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import NoReturn

# argparse's error texts (Python 3.11) and their French rendering, tried in order.
_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), french)
    for pattern, french in (
        (r"^the following arguments are required: (.*)$", r"il manque : \1"),
        (r"^unrecognized arguments: (.*)$", r"arguments inconnus : \1"),
        (r"^argument ([^:]+): invalid choice: (.*) \(choose from (.*)\)$",
         r"\1 : choix inconnu \2 (possibles : \3)"),
        (r"^argument ([^:]+): invalid (\S+) value: (.*)$", r"\1 : valeur non valide \3"),
        (r"^argument ([^:]+): expected one argument$", r"\1 : une valeur est attendue"),
        (r"^argument ([^:]+): expected at most one argument$", r"\1 : une valeur au plus"),
        (r"^argument ([^:]+): expected at least one argument$", r"\1 : une valeur au moins"),
        (r"^argument ([^:]+): not allowed with argument (.*)$", r"\1 : incompatible avec \2"),
        (r"^argument ([^:]+): ignored explicit argument (.*)$", r"\1 : valeur en trop \2"),
        (r"^ambiguous option: (\S+) could match (.*)$", r"option ambiguë \1 (\2 ?)"),
        (r"^argument ([^:]+): (.*)$", r"\1 : \2"),  # our own types' French messages
    )
)  # fmt: skip


def french_error(message: str) -> str:
    """argparse's English error ``message`` in French (unknown texts are kept as they are)."""
    for pattern, french in _ERRORS:
        if pattern.match(message):
            return pattern.sub(french, message)
    return message


class FrenchFormatter(argparse.HelpFormatter):
    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(
            usage, actions, groups, prefix="utilisation : " if prefix is None else prefix
        )


class FrenchParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose help and errors are in French (sub-commands included)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", FrenchFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._positionals.title = "arguments"
        self._optionals.title = "options"
        self.add_argument(
            "-h", "--help", action="help", default=argparse.SUPPRESS,
            help="afficher cette aide et quitter",
        )  # fmt: skip

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog} : erreur : {french_error(message)}\n")


def whole_number(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from ``minimum`` (to ``maximum``), in French."""

    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"nombre entier attendu, reçu « {text} »") from None
        if value < minimum or (maximum is not None and value > maximum):
            bounds = f"au moins {minimum}" if maximum is None else f"de {minimum} à {maximum}"
            raise argparse.ArgumentTypeError(f"nombre entier {bounds} attendu, reçu {value}")
        return value

    convert.__name__ = "nombre"
    return convert


def one_of(choices: Sequence[str]) -> Callable[[str], str]:
    """An argparse type: one of ``choices`` (exact), with the list in the French message."""

    def convert(text: str) -> str:
        if text not in choices:
            raise argparse.ArgumentTypeError(
                f"« {text} » inconnu ; possibles : {', '.join(choices)}"
            )
        return text

    convert.__name__ = "choix"
    return convert
