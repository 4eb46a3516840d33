"""Config fields that are also command-line flags: the help written once, next to the default.

A config dataclass declares a flag with :func:`setting` instead of a bare default::

    lr: float = setting(2e-4, "Adam learning rate of the generators")
    order: str = setting("decreasing", "instance order", choices=ORDERS)

and :func:`config_flags` walks a config (and its sub-configs) into the :class:`Flag` list that
``python -m instagan_lite train`` is built from. Fields declared with a bare default are not flags.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from typing import Any

__all__ = ["Flag", "config_flags", "setting"]


@dataclass(frozen=True)
class Flag:
    """One command-line flag: its ``name`` (``--name``), where its value lives in the config (``path``:
    a field, or sub-config fields, e.g. ``("weights", "cycle")``), its help text, its choices and, for
    settings whose default is None, the type of a value."""

    name: str
    path: tuple[str, ...]
    help: str
    choices: tuple[str, ...] | None = None
    kind: type | None = None

    @property
    def key(self) -> str:
        """The dotted setting name of ``TrainConfig.with_changes``: ``"weights.cycle"``."""
        return ".".join(self.path)


def setting(
    default: Any = MISSING,
    help: str = "",
    *,
    flag: str | None = None,
    choices: tuple[str, ...] | None = None,
    kind: type | None = None,
) -> Any:
    """A dataclass field with ``default`` that is also a flag: ``--<flag>`` (default: the field's name
    with dashes), ``help`` (the default is appended unless the text says ``default:`` itself), ``choices``
    and ``kind`` (the value's type, needed where the default is None)."""
    return field(default=default, metadata={"flag": {"name": flag, "help": help, "choices": choices, "kind": kind}})


def config_flags(config_class: type, path: tuple[str, ...] = ()) -> list[Flag]:
    """The flags of ``config_class``'s fields in declaration order, sub-configs (fields whose default is
    built by a dataclass) walked in place."""
    flags: list[Flag] = []
    for f in fields(config_class):
        if is_dataclass(f.default_factory):
            flags += config_flags(f.default_factory, (*path, f.name))  # type: ignore[arg-type]
        elif "flag" in f.metadata:
            meta = f.metadata["flag"]
            name = meta["name"] or f.name.replace("_", "-")
            flags.append(Flag(name, (*path, f.name), meta["help"], meta["choices"], meta["kind"]))
    return flags
