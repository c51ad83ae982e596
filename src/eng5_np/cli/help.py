"""How ``--help`` reads: flags without value placeholders, choices in the case they are typed.

Typer shows every option's type as a placeholder (``<bool>`` even for ``--help``) and prints
the choices of a case-insensitive enum lower-cased, so ``--course-code`` offered ``eng5`` with
a default of ``ENG5``. The classes here drop the flag placeholders; :func:`choices` spells an
enum's values exactly as they are sent, for ``metavar``. Error messages from pydantic start
with ``Value error,``; :func:`plain_message` takes that off before a person reads it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar

import typer
from typer.core import TyperCommand, TyperGroup, TyperOption

FLAG = ""
"""``metavar`` of an on/off flag: it takes no value, so nothing is shown."""
_PYDANTIC_PREFIXES = ("Value error, ", "Assertion failed, ")


def _flag_help(option: TyperOption | None) -> TyperOption | None:
    if option is not None:
        option.metavar = FLAG  # the built-in --help is a flag too
    return option


def _tidy(params: list[Any]) -> list[Any]:
    """Every option as a person should read it, whatever its declaration forgot.

    A flag shows no placeholder and has no ``--no-…`` twin (every flag here is off by
    default); a choice shows a short name, and its values, as they are typed, in its help —
    a ``<a|b|c>`` placeholder is what pushed the help past 80 columns and cut option names.
    """
    for param in params:
        if not isinstance(param, TyperOption):
            continue
        descriptor = getattr(param, "type_descriptor", None)
        annotation = getattr(descriptor, "annotation", None)
        choices_of_type = (
            [member.value for member in annotation]
            if isinstance(annotation, type) and issubclass(annotation, Enum)
            else None
        )
        if param.is_flag:
            param.metavar = FLAG
            param.secondary_opts = []
        elif choices_of_type and param.metavar is None:
            param.metavar = (param.name or "value").upper().replace("_", "-")
            values = [str(choice) for choice in choices_of_type]
            listed = values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"
            if param.help and listed not in param.help:
                param.help = f"{param.help.rstrip('.')}: {listed}."
    return params


class HelpGroup(TyperGroup):
    """A Typer group whose help shows no ``<bool>``, no ``--no-…`` twins, short choices."""

    def get_help_option(self, ctx: Any) -> TyperOption | None:
        """The ``--help`` option without a value placeholder."""
        return _flag_help(super().get_help_option(ctx))

    def get_params(self, ctx: Any) -> list[Any]:
        """The parameters, tidied for people (see :func:`_tidy`)."""
        return _tidy(super().get_params(ctx))


class HelpCommand(TyperCommand):
    """A Typer command whose help shows no ``<bool>``, no ``--no-…`` twins, short choices."""

    def get_help_option(self, ctx: Any) -> TyperOption | None:
        """The ``--help`` option without a value placeholder."""
        return _flag_help(super().get_help_option(ctx))

    def get_params(self, ctx: Any) -> list[Any]:
        """The parameters, tidied for people (see :func:`_tidy`)."""
        return _tidy(super().get_params(ctx))


def choices(enum: type[Enum]) -> str:
    """``a, b or c``: the enum's values as they are accepted and sent."""
    values = [str(member.value) for member in enum]
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"


E = TypeVar("E", bound=Enum)


def enum_parser(enum: type[E]) -> Callable[[Any], E]:
    """A case-insensitive ``parser=`` for an enum option that suggests the closest value.

    ``--mode exectue`` said only which values exist; a mistyped value now gets "did you mean
    execute?" when one value is close (difflib's similarity ratio ≥ 0.6).
    """

    def parse(value: Any) -> E:
        if isinstance(value, enum):
            return value
        text = str(value)
        for member in enum:
            if str(member.value).casefold() == text.casefold():
                return member
        values = [str(member.value) for member in enum]
        close = difflib.get_close_matches(text.casefold(), values, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise typer.BadParameter(f"{text!r} is not one of {choices(enum)}{hint}")

    return parse


def plain_message(message: str) -> str:
    """A pydantic validation message without its ``Value error,`` style prefix."""
    for prefix in _PYDANTIC_PREFIXES:
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message
