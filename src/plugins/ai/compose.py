"""Text the plugin writes itself: answers without a language model, prompt context, and safe HTML.

Without a language model the plugin never invents prose. It lists the matching issues, quotes the first sentences
of a description, counts a sprint's work, and says that this is what it did (``method`` in each answer).
Everything shown as HTML is escaped here: issue titles and model output are text, never markup.
"""

from __future__ import annotations

import datetime
import decimal
import html
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import Row

__all__ = (
    "complexity",
    "first_sentences",
    "issue_context",
    "issue_facts",
    "person",
    "retrieval_answer",
    "sprint_html",
    "sprint_numbers",
    "text_to_html",
)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÁÉÍÓÚÑ¿¡0-9\"'(])")
_MARKUP = re.compile(r"[#*_`>|]+")
_SPACES = re.compile(r"\s+")
_HIGH = ("P0", "P1", "P2")


def _number(value: decimal.Decimal | float | None) -> float | None:
    return None if value is None else float(value)


def _points(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def person(row: Row[Any] | dict[str, Any], prefix: str) -> str | None:
    """``First Last`` (or the username) of the assignee or reporter columns of an issue row; None when empty."""
    data = row if isinstance(row, dict) else row._asdict()
    if data.get(f"{prefix}_id") is None:
        return None
    name = f"{data.get(f'{prefix}_first_name') or ''} {data.get(f'{prefix}_last_name') or ''}".strip()
    return name or data.get(f"{prefix}_username") or None


def first_sentences(text: str, count: int = 2, limit: int = 400) -> str:
    """The first ``count`` sentences of ``text`` (markdown marks and extra spaces removed), at most ``limit`` chars."""
    plain = _SPACES.sub(" ", _MARKUP.sub(" ", text or "")).strip()
    if not plain:
        return ""
    sentences = _SENTENCE_END.split(plain)
    result = " ".join(sentences[:count]).strip()
    if len(result) > limit:
        result = result[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return result


def _level(value: float, bounds: tuple[float, float, float]) -> str:
    low, medium, high = bounds
    return "low" if value <= low else "medium" if value <= medium else "high" if value <= high else "very-high"


def complexity(
    story_points: float | None, estimated_hours: float | None, description: str, category: str
) -> tuple[str, str]:
    """``low|medium|high|very-high|unknown`` and what it rests on: story points, else hours, else the text."""
    if story_points is not None and story_points > 0:
        return _level(story_points, (2, 5, 13)), f"{story_points:g} story points"
    if estimated_hours is not None and estimated_hours > 0:
        return _level(estimated_hours, (4, 16, 40)), f"{estimated_hours:g} estimated hours"
    if category == "epic":
        return "high", "an epic"
    words = len((description or "").split())
    if words == 0:
        return "unknown", "no estimate and no description"
    return _level(words, (40, 150, float("inf"))), f"a {words}-word description"


def issue_facts(row: Row[Any], comment_count: int | None = None) -> list[str]:
    """Short facts about an issue row (type, priority, status, people, estimates, dates, labels)."""
    data = row._asdict()
    facts = [f"{data['type_name']} · {data['priority']} · {data['status_name']}"]
    assignee = person(data, "assignee")
    facts.append(f"Assigned to {assignee}" if assignee else "Unassigned")
    points = _number(data.get("story_points"))
    hours = _number(data.get("estimated_hours"))
    actual = _number(data.get("actual_hours"))
    if points is not None:
        facts.append(f"{points:g} story points")
    if hours is not None or actual is not None:
        spent = f", {actual:g} h logged" if actual is not None else ""
        facts.append(f"Estimated {hours:g} h{spent}" if hours is not None else f"{actual:g} h logged")
    due = data.get("due_date")
    if due is not None:
        overdue = not data["status_is_final"] and due < datetime.datetime.now(datetime.UTC).date()
        facts.append(f"Due {due.isoformat()}" + (" (overdue)" if overdue else ""))
    if data.get("sprint_name"):
        facts.append(f"In sprint {data['sprint_name']}")
    labels = data.get("labels") or []
    if labels:
        facts.append("Labels: " + ", ".join(str(label) for label in labels))
    count = comment_count if comment_count is not None else data.get("comment_count")
    if count:
        facts.append(f"{count} comment{'s' if count != 1 else ''}")
    return facts


def issue_context(rows: Sequence[tuple[Row[Any], float]], description_chars: int = 600) -> str:
    """The issues a prompt may use, one block each (key, title, facts, start of the description, similarity)."""
    blocks = []
    for n, (row, score) in enumerate(rows, start=1):
        data = row._asdict()
        key = f"{data['project_key']}-{data['number']}"
        description = _SPACES.sub(" ", data.get("description") or "").strip()[:description_chars]
        facts = " | ".join(issue_facts(row))
        blocks.append(
            f"{n}. [{key}] {data['title']}\n   {facts}\n   Similarity: {score:.2f}"
            + (f"\n   Description: {description}" if description else "")
        )
    return "\n\n".join(blocks) if blocks else "(no matching issues)"


def retrieval_answer(question: str, rows: Sequence[tuple[Row[Any], float]]) -> str:
    """The answer without a language model: the most relevant issues, said to be exactly that."""
    if not rows:
        return (
            "No language model is configured, so I can only search the issues you can see, and none of them "
            "matches your question."
        )
    lines = [
        (
            "No language model is configured, so this is not a written answer: these are the issues most relevant "
            "to your question, best match first."
        )
    ]
    for row, score in rows:
        data = row._asdict()
        key = f"{data['project_key']}-{data['number']}"
        assignee = person(data, "assignee") or "unassigned"
        lines.append(f"- {key} {data['title']} ({data['status_name']}, {assignee}; match {score:.0%})")
    return "\n".join(lines)


def sprint_numbers(rows: Sequence[Row[Any]], committed: float, completed_points: float) -> dict[str, Any]:
    """Counts behind a sprint summary: issues by state, points, unassigned and open high-priority issues."""
    total = len(rows)
    done = sum(1 for row in rows if row.status_is_final)
    in_progress = sum(1 for row in rows if not row.status_is_final and row.status_category == "in_progress")
    points = [float(row.story_points) for row in rows if row.story_points is not None]
    done_points = sum(float(row.story_points) for row in rows if row.status_is_final and row.story_points is not None)
    return {
        "total_issues": total,
        "completed": done,
        "in_progress": in_progress,
        "to_do": total - done - in_progress,
        "completion_rate": round(100.0 * done / total, 1) if total else 0.0,
        "total_points": round(max(sum(points), committed), 2),
        "completed_points": round(max(done_points, completed_points), 2),
        "unassigned": sum(1 for row in rows if row.assignee_id is None and not row.status_is_final),
        "high_priority_open": [row for row in rows if row.priority in _HIGH and not row.status_is_final],
    }


def sprint_html(
    name: str,
    status: str,
    goal: str,
    start: datetime.date | None,
    end: datetime.date | None,
    numbers: dict[str, Any],
    today: datetime.date,
) -> str:
    """A sprint summary from its numbers alone, as escaped HTML (paragraphs and one list)."""
    e = html.escape
    dates = f", {start.isoformat()} to {end.isoformat()}" if start and end else ""
    total, done = numbers["total_issues"], numbers["completed"]
    head = (
        f"<p><strong>{e(name)}</strong> ({e(status)}{e(dates)}): {done} of {total} issues done "
        f"({numbers['completion_rate']:g}%), {numbers['completed_points']:g} of {numbers['total_points']:g} "
        "story points.</p>"
    )
    parts = [head]
    if goal.strip():
        parts.append(f"<p>Goal: {e(goal.strip())}</p>")
    items = [f"In progress: {numbers['in_progress']}", f"To do: {numbers['to_do']}"]
    if numbers["unassigned"]:
        items.append(f"Open and unassigned: {numbers['unassigned']}")
    high = numbers["high_priority_open"]
    if high:
        listed = ", ".join(f"{row.project_key}-{row.number} {row.title}" for row in high[:5])
        more = f" and {len(high) - 5} more" if len(high) > 5 else ""
        items.append(f"High priority still open: {listed}{more}")
    if status == "active" and end is not None:
        left = (end - today).days
        items.append(f"{left} day{'s' if left != 1 else ''} left" if left >= 0 else f"{-left} days past its end date")
    parts.append("<ul>" + "".join(f"<li>{e(item)}</li>" for item in items) + "</ul>")
    parts.append("<p><em>Summary computed from the sprint's numbers (no language model is configured).</em></p>")
    return "".join(parts)


def text_to_html(text: str) -> str:
    """Plain text (a model's reply) as safe HTML.

    Everything is escaped; ``- `` lines become a list, blank lines separate paragraphs, ``**bold**`` stays bold.
    """

    def inline(value: str) -> str:
        return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(value.strip()))

    parts: list[str] = []
    items: list[str] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            parts.append("<p>" + "<br>".join(inline(line) for line in paragraph) + "</p>")
            paragraph.clear()
        if items:
            parts.append("<ul>" + "".join(f"<li>{inline(item)}</li>" for item in items) + "</ul>")
            items.clear()

    for line in text.splitlines():
        stripped = line.strip().lstrip("#").strip()
        bullet = re.match(r"^(?:[-*•]|\d+[.)])\s+(.*)$", stripped)
        if not stripped:
            flush()
        elif bullet:
            if paragraph:
                flush()
            items.append(bullet.group(1))
        else:
            if items:
                flush()
            paragraph.append(stripped)
    flush()
    return "".join(parts)
