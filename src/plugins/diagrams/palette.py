"""Colours shared by the JSON data and the SVG rendering (Atlassian-like, readable on white)."""

from __future__ import annotations

__all__ = (
    "CATEGORY_COLORS",
    "CATEGORY_LABELS",
    "CATEGORY_RANK",
    "CRITICAL_COLOR",
    "EDGE_COLOR",
    "LINK_STYLES",
    "MILESTONE_COLORS",
    "PRIORITY_COLORS",
    "SPRINT_COLORS",
    "TEXT_COLOR",
    "category_rank",
)

CATEGORY_COLORS = {"to_do": "#5E6C84", "in_progress": "#0052CC", "done": "#00875A"}
CATEGORY_LABELS = {"to_do": "To Do", "in_progress": "In Progress", "done": "Done"}
CATEGORY_RANK = {"to_do": 0, "in_progress": 1, "done": 2}

PRIORITY_COLORS = {"P0": "#7A0000", "P1": "#DE350B", "P2": "#FF7452", "P3": "#FFAB00", "P4": "#36B37E"}

EDGE_COLOR = "#42526E"
CRITICAL_COLOR = "#DE350B"
TEXT_COLOR = "#172B4D"

# type -> (label, colour, dashed)
LINK_STYLES: dict[str, tuple[str, str, bool]] = {
    "blocks": ("blocks", "#DE350B", False),
    "depends_on": ("depends on", "#FF8B00", False),
    "duplicates": ("duplicates", "#6554C0", True),
    "relates_to": ("relates to", "#97A0AF", True),
    "subtask": ("sub-task", "#00B8D9", True),
}

SPRINT_COLORS = {"planned": "#5E6C84", "active": "#0052CC", "completed": "#00875A"}
MILESTONE_COLORS = {"epic": "#6554C0", "sprint_end": "#FF8B00", "achieved": "#00875A"}


def category_rank(category: str) -> int:
    """Where a status category sits left to right (unknown categories count as in progress)."""
    return CATEGORY_RANK.get(category, 1)
