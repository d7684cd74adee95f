"""Positions of boxes laid out in columns (left to right), each column centred vertically on the tallest one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Hashable, Sequence

__all__ = ("Box", "Grid", "columns", "grid")

K = TypeVar("K", bound="Hashable")


@dataclass(frozen=True, slots=True)
class Box:
    """Box size and the gaps between boxes."""

    width: float
    height: float
    gap_x: float
    gap_y: float


@dataclass(frozen=True, slots=True)
class Grid:
    """Where each box's centre is, and the extent of everything placed."""

    centres: dict[object, tuple[float, float]]
    width: float
    height: float


def columns(layers: Sequence[Sequence[K]], box: Box, left: float, top: float) -> Grid:
    """Place ``layers[i]`` in column ``i`` starting at (``left``, ``top``); shorter columns are centred."""
    tallest = max((len(layer) for layer in layers), default=0)
    centres: dict[object, tuple[float, float]] = {}
    for col, layer in enumerate(layers):
        offset = (tallest - len(layer)) * (box.height + box.gap_y) / 2
        for row, key in enumerate(layer):
            x = left + col * (box.width + box.gap_x) + box.width / 2
            y = top + offset + row * (box.height + box.gap_y) + box.height / 2
            centres[key] = (round(x, 1), round(y, 1))
    width = len(layers) * box.width + max(len(layers) - 1, 0) * box.gap_x
    height = tallest * box.height + max(tallest - 1, 0) * box.gap_y
    return Grid(centres=centres, width=width, height=height)


def grid(keys: Sequence[K], per_row: int, box: Box, left: float, top: float) -> Grid:
    """Place ``keys`` row by row, ``per_row`` to a row, starting at (``left``, ``top``)."""
    per_row = max(per_row, 1)
    centres: dict[object, tuple[float, float]] = {}
    for n, key in enumerate(keys):
        row, col = divmod(n, per_row)
        x = left + col * (box.width + box.gap_x) + box.width / 2
        y = top + row * (box.height + box.gap_y) + box.height / 2
        centres[key] = (round(x, 1), round(y, 1))
    cols = min(len(keys), per_row)
    rows = -(-len(keys) // per_row)
    width = cols * box.width + max(cols - 1, 0) * box.gap_x
    height = rows * box.height + max(rows - 1, 0) * box.gap_y
    return Grid(centres=centres, width=width, height=height)
