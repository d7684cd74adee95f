"""SVG documents of the diagrams, drawn from the same data (and the same positions) as the JSON answer.

Every piece of user text goes through :func:`_text` / :func:`_attr` (XML escaping, characters XML 1.0 forbids
removed), so a title such as ``<script>`` or ``a & b`` is shown as written and the document always parses.
"""

from __future__ import annotations

import datetime
import math
import re
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from plugins.diagrams import schemas as s
from plugins.diagrams.charts import SprintBurndown, VelocityChart
from plugins.diagrams.palette import CRITICAL_COLOR, EDGE_COLOR, TEXT_COLOR

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = ("Diagram", "burndown_svg", "dependency_svg", "render", "roadmap_svg", "velocity_svg", "workflow_svg")

Diagram = s.WorkflowData | s.DependencyData | s.RoadmapData | SprintBurndown | VelocityChart
"""Anything the plugin can draw."""

FONT = "Inter, 'Segoe UI', Helvetica, Arial, sans-serif"
MUTED = "#6B778C"
GRID = "#EBECF0"
MAX_BEND = 120.0
_FORBIDDEN = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_HEX = re.compile(r"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


# --- primitives -----------------------------------------------------------------------------------------------


def _clean(value: object) -> str:
    return _FORBIDDEN.sub("", str(value))


def _text(value: object) -> str:
    """Element content: escaped, without characters XML cannot carry."""
    return escape(_clean(value))


def _attr(value: object) -> str:
    """A quoted attribute value, escaped."""
    return quoteattr(_clean(value))


def _n(value: float) -> str:
    return f"{round(value, 1):g}"


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _plural(count: int, noun: str, nouns: str = "") -> str:
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


def _color(value: str, default: str = EDGE_COLOR) -> str:
    """A colour from the database only if it is a plain hex colour (it lands in an attribute)."""
    return value if _HEX.match(value or "") else default


def _ink(fill: str) -> str:
    """Dark or white text, whichever reads better on ``fill``."""
    value = _color(fill, "#FFFFFF").lstrip("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return TEXT_COLOR if 0.299 * r + 0.587 * g + 0.114 * b > 165 else "#FFFFFF"


def _marker_id(color: str) -> str:
    return "arrow-" + re.sub(r"[^0-9A-Za-z]", "", color)


class _Svg:
    """An SVG document being written."""

    def __init__(self, width: float, height: float, title: str) -> None:
        self.width = width
        self.height = height
        self.parts = [
            (
                f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width)}" height="{_n(height)}" '
                f'viewBox="0 0 {_n(width)} {_n(height)}" font-family={_attr(FONT)} role="img" '
                f"aria-label={_attr(title)}>"
            ),
            f"<title>{_text(title)}</title>",
        ]
        self.markers: list[str] = []

    def arrow(self, color: str) -> str:
        """``url(#...)`` of an arrowhead in ``color`` (defined once)."""
        color = _color(color)
        if color not in self.markers:
            self.markers.append(color)
        return f"url(#{_marker_id(color)})"

    def add(self, fragment: str) -> None:
        """Append raw SVG (callers escape what they put in)."""
        self.parts.append(fragment)

    def rect(self, x: float, y: float, w: float, h: float, fill: str, **attrs: object) -> None:
        """A rectangle; ``attrs`` become attributes (``stroke_width`` -> ``stroke-width``)."""
        self.add(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(max(w, 0))}" height="{_n(max(h, 0))}" fill={_attr(fill)}')
        self.add(_attrs(attrs) + "/>")

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str, **attrs: object) -> None:
        """A straight line."""
        self.add(f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke={_attr(stroke)}')
        self.add(_attrs(attrs) + "/>")

    def text(self, x: float, y: float, content: str, size: float = 12, fill: str = TEXT_COLOR, **attrs: object) -> None:
        """A line of text."""
        self.add(f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" fill={_attr(fill)}')
        self.add(_attrs(attrs) + f">{_text(content)}</text>")

    def done(self) -> str:
        """The document."""
        defs = "".join(
            f'<marker id="{_marker_id(color)}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{color}"/></marker>'
            for color in self.markers
        )
        background = f'<rect width="{_n(self.width)}" height="{_n(self.height)}" fill="#FFFFFF"/>'
        return "".join([*self.parts[:2], f"<defs>{defs}</defs>", background, *self.parts[2:], "</svg>"])


def _attrs(attrs: dict[str, object]) -> str:
    return "".join(f" {name.rstrip('_').replace('_', '-')}={_attr(value)}" for name, value in attrs.items())


def _legend(svg: _Svg, legend: s.Legend, x: float, y: float) -> None:
    svg.text(x, y, legend.title, 13, font_weight="bold")
    for n, item in enumerate(legend.items):
        row = y + 14 + n * 25
        svg.rect(x, row, 16, 16, _color(item.color), rx=3)
        svg.text(x + 24, row + 13, _short(item.label, 26), 12)


def _exit(cx: float, cy: float, half_w: float, half_h: float, towards: tuple[float, float]) -> tuple[float, float]:
    """Where a line from a box's centre towards ``towards`` leaves the box."""
    dx, dy = towards[0] - cx, towards[1] - cy
    if dx == 0 and dy == 0:
        return cx, cy
    scale = min(half_w / abs(dx) if dx else math.inf, half_h / abs(dy) if dy else math.inf)
    return cx + dx * scale, cy + dy * scale


def _connector(
    a: tuple[float, float], b: tuple[float, float], size: tuple[float, float], bend: float
) -> tuple[str, tuple[float, float]]:
    """A path from box ``a`` to box ``b`` (centres), bent to the left of its direction; and its midpoint."""
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    distance = math.hypot(dx, dy) or 1.0
    # Arrows that skip a column would cross the boxes between: bend them over (or under) them. The cap keeps the
    # arc inside the margin the layouts leave above and below their rows.
    if abs(dy) < size[1] and abs(dx) > size[0] * 2:
        bend = max(bend, min(0.3 * distance, MAX_BEND))
    cx, cy = (ax + bx) / 2 + (-dy / distance) * bend, (ay + by) / 2 + (dx / distance) * bend
    half_w, half_h = size[0] / 2, size[1] / 2
    start = _exit(ax, ay, half_w, half_h, (cx, cy) if bend else b)
    end = _exit(bx, by, half_w + 3, half_h + 3, (cx, cy) if bend else a)
    if not bend:
        return f"M{_n(start[0])},{_n(start[1])} L{_n(end[0])},{_n(end[1])}", ((ax + bx) / 2, (ay + by) / 2)
    middle = (0.25 * start[0] + 0.5 * cx + 0.25 * end[0], 0.25 * start[1] + 0.5 * cy + 0.25 * end[1])
    path = f"M{_n(start[0])},{_n(start[1])} Q{_n(cx)},{_n(cy)} {_n(end[0])},{_n(end[1])}"
    return path, middle


def _halo_label(svg: _Svg, x: float, y: float, label: str, color: str) -> None:
    svg.text(
        x,
        y,
        _short(label, 28),
        10,
        color,
        text_anchor="middle",
        stroke="#FFFFFF",
        stroke_width=3,
        paint_order="stroke",
    )


# --- workflow -------------------------------------------------------------------------------------------------


def workflow_svg(data: s.WorkflowData) -> str:
    """Statuses as rounded boxes (fill: status colour, border: category), transitions as arrows, and a legend."""
    layout = data.layout
    svg = _Svg(layout.width, layout.height, f"Workflow of {data.metadata.project_name}")
    svg.text(layout.padding, 30, f"{data.metadata.project_name} — workflow", 18, font_weight="bold")
    svg.text(
        layout.padding,
        50,
        f"{_plural(data.metadata.status_count, 'status', 'statuses')} · "
        f"{_plural(data.metadata.transition_count, 'transition')} · {_plural(data.metadata.total_issues, 'issue')}",
        12,
        MUTED,
    )
    nodes = {node.id: node for node in data.nodes}
    pairs = {(edge.source, edge.target) for edge in data.edges}
    for edge in data.edges:
        a, b = nodes[edge.source], nodes[edge.target]
        size = (a.dimensions.width, a.dimensions.height)
        bend = 26.0 if (edge.target, edge.source) in pairs else 0.0
        path, (mx, my) = _connector((a.position.x, a.position.y), (b.position.x, b.position.y), size, bend)
        color = _color(edge.color)
        svg.add(
            f'<path d="{path}" fill="none" stroke="{color}" stroke-width="{edge.width}" '
            f'marker-end="{svg.arrow(color)}"><title>{_text(edge.label)}</title></path>'
        )
        _halo_label(svg, mx, my - 4, edge.label, MUTED)
    for node in data.nodes:
        w, h = node.dimensions.width, node.dimensions.height
        x, y = node.position.x - w / 2, node.position.y - h / 2
        fill = _color(node.color, "#6B7280")
        ink = _ink(fill)
        svg.add(f"<g><title>{_text(node.name)}{_text(': ' + node.description) if node.description else ''}</title>")
        svg.rect(x, y, w, h, fill, rx=10, stroke=_color(node.stroke_color), stroke_width=node.stroke_width)
        svg.text(
            node.position.x,
            node.position.y - 4,
            _short(node.name, 20),
            15,
            ink,
            text_anchor="middle",
            font_weight="bold",
        )
        svg.text(
            node.position.x, node.position.y + 18, _plural(node.issue_count, "issue"), 12, ink, text_anchor="middle"
        )
        badge = "START" if node.is_start else "END" if node.is_end else ""
        if badge:
            badge_color = _color(node.stroke_color)
            svg.rect(node.position.x - 26, y - 24, 52, 18, badge_color, rx=9)
            svg.text(node.position.x, y - 11, badge, 10, "#FFFFFF", text_anchor="middle", font_weight="bold")
        svg.add("</g>")
    _legend(svg, data.legend, layout.width - layout.padding - 180, layout.padding + 60)
    return svg.done()


# --- dependency -----------------------------------------------------------------------------------------------


def dependency_svg(data: s.DependencyData) -> str:
    """Issues as cards (fill: status colour, stripe: priority), links as arrows, the critical path in red."""
    layout, meta = data.layout, data.metadata
    svg = _Svg(layout.width, layout.height, f"Dependencies of {meta.project_name}")
    svg.text(layout.padding, 30, f"{meta.project_name} — dependencies", 18, font_weight="bold")
    nodes = {node.id: node for node in data.nodes}
    notes = [f"{_plural(meta.node_count, 'issue')} · {_plural(meta.edge_count, 'link')}"]
    if meta.truncated:
        notes.append(f"showing {meta.node_count} of {meta.total_issues} issues (limit {meta.node_limit})")
    if data.critical_path:
        notes.append("critical path: " + " → ".join(nodes[node].key for node in data.critical_path))
    if meta.cycles:
        notes.append("cycle: " + "; ".join(" → ".join([*cycle, cycle[0]]) for cycle in meta.cycles[:3]))
    svg.text(layout.padding, 52, _short(" · ".join(notes), 220), 12, CRITICAL_COLOR if meta.cycles else MUTED)
    pairs = {(edge.source, edge.target) for edge in data.edges}
    for edge in data.edges:
        a, b = nodes[edge.source], nodes[edge.target]
        size = (a.dimensions.width, a.dimensions.height)
        bend = 22.0 if (edge.target, edge.source) in pairs else 0.0
        path, (mx, my) = _connector((a.position.x, a.position.y), (b.position.x, b.position.y), size, bend)
        color = _color(edge.color)
        dash = ' stroke-dasharray="6 4"' if edge.dashed else ""
        marker = "" if edge.type == "relates_to" else f' marker-end="{svg.arrow(color)}"'
        width = 3 if edge.is_critical else 1.6
        svg.add(
            f'<path d="{path}" fill="none" stroke="{color}" stroke-width="{width}"{dash}{marker}>'
            f"<title>{_text(f'{a.key} {edge.label} {b.key}')}</title></path>"
        )
        _halo_label(svg, mx, my - 4, edge.label, color)
    linked = {edge.source for edge in data.edges} | {edge.target for edge in data.edges}
    loose = [node for node in data.nodes if node.id not in linked]
    if loose and linked:
        top = min(node.position.y - node.dimensions.height / 2 for node in loose)
        svg.text(layout.padding, top - 16, "Issues without links", 13, MUTED, font_weight="bold")
    for node in data.nodes:
        _issue_card(svg, node)
    _legend(svg, data.legend, layout.width - layout.padding - 180, layout.padding + 60)
    return svg.done()


def _issue_card(svg: _Svg, node: s.DependencyNode) -> None:
    w, h = node.dimensions.width, node.dimensions.height
    x, y = node.position.x - w / 2, node.position.y - h / 2
    fill = _color(node.status_color, "#6B7280")
    ink = _ink(fill)
    stroke = CRITICAL_COLOR if node.is_critical else "#C1C7D0"
    svg.add(f"<g><title>{_text(f'{node.key}: {node.summary} ({node.status}, {node.priority})')}</title>")
    svg.rect(x, y, w, h, fill, rx=6, stroke=stroke, stroke_width=3 if node.is_critical else 1)
    svg.rect(x, y, 7, h, _color(node.priority_color), rx=3)
    key = f"{node.key} ✓" if node.is_resolved else node.key
    svg.text(x + 16, y + 22, key, 13, ink, font_weight="bold")
    svg.text(x + w - 10, y + 22, node.priority, 11, ink, text_anchor="end")
    svg.text(x + 16, y + 44, _short(node.summary, 26), 12, ink)
    who = node.assignee or "Unassigned"
    svg.text(x + 16, y + 66, _short(f"{node.status} · {who}", 30), 11, ink)
    svg.add("</g>")


# --- roadmap --------------------------------------------------------------------------------------------------


def _month_starts(first: datetime.date, last: datetime.date) -> Iterable[datetime.date]:
    day = first.replace(day=1)
    while day <= last:
        if day >= first:
            yield day
        day = (day + datetime.timedelta(days=32)).replace(day=1)


def roadmap_svg(data: s.RoadmapData) -> str:
    """Sprints as bars on a time axis (filled to their progress), milestones as diamonds, and a line for today."""
    layout, meta = data.layout, data.metadata
    svg = _Svg(layout.width, layout.height, f"Roadmap of {meta.project_name}")
    left = layout.padding + layout.label_width
    axis_y = layout.padding + layout.header_height - 14
    rows_top = layout.padding + layout.header_height
    bottom = layout.height - layout.padding
    days = round((layout.width - left - layout.padding) / layout.pixels_per_day)
    last = layout.start_date + datetime.timedelta(days=max(days - 1, 0))

    def x_of(day: datetime.date) -> float:
        return left + (day - layout.start_date).days * layout.pixels_per_day

    svg.text(layout.padding, 30, f"{meta.project_name} — roadmap", 18, font_weight="bold")
    svg.text(
        layout.padding,
        50,
        f"{meta.start_date.isoformat()} → {meta.end_date.isoformat()} · {_plural(meta.sprint_count, 'sprint')} · "
        f"{_plural(meta.milestone_count, 'milestone')}",
        12,
        MUTED,
    )
    if days <= 62:
        ticks = [
            layout.start_date + datetime.timedelta(days=n)
            for n in range(days)
            if (layout.start_date + datetime.timedelta(days=n)).weekday() == 0
        ]
        fmt = "%d %b"
    else:
        ticks = list(_month_starts(layout.start_date, last))
        fmt = "%b %Y"
    svg.line(left, axis_y + 4, x_of(last) + layout.pixels_per_day, axis_y + 4, "#C1C7D0")
    for tick in ticks:
        svg.line(x_of(tick), axis_y + 4, x_of(tick), bottom, GRID)
        svg.text(x_of(tick) + 3, axis_y, tick.strftime(fmt), 11, MUTED)
    if not data.sprints:
        svg.text(left, rows_top + 30, "No sprints yet.", 13, MUTED)
    for n, sprint in enumerate(data.sprints):
        top = rows_top + n * layout.row_height
        svg.add(f"<g><title>{_text(f'{sprint.name}: {sprint.start_date} → {sprint.end_date}')}</title>")
        svg.text(layout.padding, top + 20, _short(sprint.name, 28), 13, font_weight="bold")
        svg.text(
            layout.padding,
            top + 37,
            f"{sprint.status} · {sprint.completed_count}/{_plural(sprint.issue_count, 'issue')}",
            11,
            MUTED,
        )
        x1 = x_of(sprint.start_date)
        width = x_of(sprint.end_date) + layout.pixels_per_day - x1
        color = _color(sprint.color)
        extra: dict[str, object] = {"stroke_dasharray": "5 3"} if sprint.dates_estimated else {}
        svg.rect(x1, top + 10, width, 30, color, rx=5, fill_opacity="0.25", stroke=color, **extra)
        svg.rect(x1, top + 10, width * min(sprint.progress, 100.0) / 100, 30, color, rx=5)
        svg.text(
            x1 + 8,
            top + 30,
            f"{sprint.progress:g}%",
            12,
            TEXT_COLOR,
            font_weight="bold",
            stroke="#FFFFFF",
            stroke_width=3,
            paint_order="stroke",
        )
        svg.add("</g>")
    lane_top = rows_top + max(len(data.sprints), 1) * layout.row_height + 16
    for n, milestone in enumerate(data.milestones):
        mx = x_of(milestone.date) + layout.pixels_per_day / 2
        color = _color(milestone.color)
        fill = color if milestone.achieved else "#FFFFFF"
        points = f"{_n(mx)},{_n(lane_top)} {_n(mx + 8)},{_n(lane_top + 9)} {_n(mx)},{_n(lane_top + 18)} {_n(mx - 8)},{_n(lane_top + 9)}"
        state = "achieved" if milestone.achieved else "open"
        svg.add(
            f'<polygon points="{points}" fill="{fill}" stroke="{color}" stroke-width="2">'
            f"<title>{_text(f'{milestone.name} ({milestone.date}, {state})')}</title></polygon>"
        )
        svg.text(mx, lane_top + 34 + (n % 3) * 14, _short(milestone.name, 24), 10, TEXT_COLOR, text_anchor="middle")
    today_x = x_of(meta.today) + layout.pixels_per_day / 2
    svg.line(today_x, axis_y + 4, today_x, bottom, CRITICAL_COLOR, stroke_dasharray="4 3", stroke_width=1.5)
    svg.text(today_x + 4, rows_top - 2, "Today", 11, CRITICAL_COLOR, font_weight="bold")
    return svg.done()


# --- charts ---------------------------------------------------------------------------------------------------


def _nice_max(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at least ``value`` (1 for nothing)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)


def _y_axis(svg: _Svg, left: float, right: float, top: float, bottom: float, high: float, label: str) -> None:
    for n in range(6):
        value = high * n / 5
        y = bottom - (bottom - top) * n / 5
        svg.line(left, y, right, y, GRID)
        svg.text(left - 8, y + 4, f"{value:g}", 11, MUTED, text_anchor="end")
    svg.line(left, top, left, bottom, "#C1C7D0")
    svg.line(left, bottom, right, bottom, "#C1C7D0")
    svg.text(
        16,
        (top + bottom) / 2,
        label,
        11,
        MUTED,
        text_anchor="middle",
        transform=f"rotate(-90 16 {_n((top + bottom) / 2)})",
    )


def _polyline(points: Sequence[tuple[float, float]], color: str, **attrs: object) -> str:
    coords = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
    return f'<polyline points="{coords}" fill="none" stroke="{color}"{_attrs(attrs)}/>'


def burndown_svg(data: SprintBurndown) -> str:
    """Remaining points per sprint day: the ideal line (dashed) and the actual one."""
    width, height = 900.0, 480.0
    left, right, top, bottom = 70.0, width - 180.0, 80.0, height - 70.0
    svg = _Svg(width, height, f"Burndown of {data.sprint_name}")
    svg.text(left, 32, f"Burndown — {data.sprint_name}", 18, font_weight="bold")
    svg.text(left, 52, f"{data.start_date} → {data.end_date} · {data.total_points:g} points committed", 12, MUTED)
    span = max(len(data.ideal_line) - 1, 1)
    high = _nice_max(max([data.total_points, *(p.remaining_points for p in data.actual_line)]))
    _y_axis(svg, left, right, top, bottom, high, "Remaining points")

    def at(day: int, value: float) -> tuple[float, float]:
        return left + (right - left) * day / span, bottom - (bottom - top) * value / high

    step = max(1, math.ceil(span / 10))
    for point in data.ideal_line[::step]:
        x, _ = at(point.day, 0)
        svg.text(x, bottom + 18, point.date.strftime("%d %b"), 10, MUTED, text_anchor="middle")
    svg.add(
        _polyline(
            [at(p.day, p.remaining_points) for p in data.ideal_line], "#97A0AF", stroke_width=2, stroke_dasharray="6 4"
        )
    )
    actual = [at(p.day, p.remaining_points) for p in data.actual_line]
    if actual:
        svg.add(_polyline(actual, "#0052CC", stroke_width=3))
        for point, (x, y) in zip(data.actual_line, actual, strict=True):
            svg.add(
                f'<circle cx="{_n(x)}" cy="{_n(y)}" r="4" fill="#0052CC">'
                f"<title>{_text(f'{point.date}: {point.remaining_points:g} points left')}</title></circle>"
            )
    legend = s.Legend(
        title="Lines",
        items=[s.LegendItem(label="Ideal", color="#97A0AF"), s.LegendItem(label="Remaining", color="#0052CC")],
    )
    _legend(svg, legend, right + 30, top + 10)
    return svg.done()


def velocity_svg(data: VelocityChart) -> str:
    """Committed and completed points of each completed sprint, side by side, with the average velocity."""
    count = len(data.labels)
    group = 110.0
    left, top = 70.0, 80.0
    width = max(640.0, left + group * count + 200)
    height = 460.0
    right, bottom = width - 180.0, height - 80.0
    svg = _Svg(width, height, "Velocity chart")
    svg.text(left, 32, "Velocity", 18, font_weight="bold")
    svg.text(left, 52, f"Last {count} completed sprints · average {data.average_velocity:g} points", 12, MUTED)
    high = _nice_max(max([*data.velocities, *data.planned_points, 0.0]))
    _y_axis(svg, left, right, top, bottom, high, "Story points")
    if not count:
        svg.text((left + right) / 2, (top + bottom) / 2, "No completed sprints yet.", 14, MUTED, text_anchor="middle")
    slot = (right - left) / max(count, 1)
    for n, (label, done, planned) in enumerate(zip(data.labels, data.velocities, data.planned_points, strict=True)):
        centre = left + slot * (n + 0.5)
        for offset, value, color, name in ((-17, planned, "#C1C7D0", "committed"), (17, done, "#00875A", "completed")):
            bar_h = (bottom - top) * value / high
            svg.add(f"<g><title>{_text(f'{label}: {value:g} points {name}')}</title>")
            svg.rect(centre + offset - 15, bottom - bar_h, 30, bar_h, color, rx=3)
            svg.text(centre + offset, bottom - bar_h - 5, f"{value:g}", 10, TEXT_COLOR, text_anchor="middle")
            svg.add("</g>")
        svg.text(centre, bottom + 18, _short(label, 14), 11, MUTED, text_anchor="middle")
    if count:
        y = bottom - (bottom - top) * data.average_velocity / high
        svg.line(left, y, right, y, "#6554C0", stroke_dasharray="6 4", stroke_width=2)
        svg.text(right - 4, y - 6, f"average {data.average_velocity:g}", 11, "#6554C0", text_anchor="end")
    legend = s.Legend(
        title="Points",
        items=[
            s.LegendItem(label="Committed", color="#C1C7D0"),
            s.LegendItem(label="Completed", color="#00875A"),
            s.LegendItem(label="Average velocity", color="#6554C0"),
        ],
    )
    _legend(svg, legend, right + 30, top + 10)
    return svg.done()


def render(data: Diagram) -> str:
    """The SVG document of any diagram."""
    if isinstance(data, s.WorkflowData):
        return workflow_svg(data)
    if isinstance(data, s.DependencyData):
        return dependency_svg(data)
    if isinstance(data, s.RoadmapData):
        return roadmap_svg(data)
    if isinstance(data, SprintBurndown):
        return burndown_svg(data)
    return velocity_svg(data)
