"""Result rows -> issue API shapes (columns straight into Structs: no ORM instances on the list path)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.auth.schemas import UserBasic
from core.issues import schemas as s

if TYPE_CHECKING:
    import decimal

    from core.issues.queries import IssueRow

__all__ = ("issue",)


def _number(value: decimal.Decimal | None) -> float | None:
    return None if value is None else float(value)


_USER_FIELDS = ("id", "uuid", "email", "username", "first_name", "last_name", "avatar_url")
_USER_KEYS = {prefix: tuple(f"{prefix}_{field}" for field in _USER_FIELDS) for prefix in ("assignee", "reporter")}


def _user(row: dict[str, Any], prefix: str) -> UserBasic | None:
    id_key, uuid_key, email_key, username_key, first_key, last_key, avatar_key = _USER_KEYS[prefix]
    user_id = row[id_key]
    if user_id is None:
        return None
    first, last, username = row[first_key], row[last_key], row[username_key]
    return UserBasic(
        id=user_id,
        user_uuid=row[uuid_key],
        email=row[email_key],
        username=username,
        first_name=first,
        last_name=last,
        full_name=f"{first} {last}".strip() or username,
        avatar_url=row[avatar_key],
    )


def issue(result: IssueRow) -> s.Issue:
    """The full issue shape."""
    # One dict per row: a Row's attribute lookup costs several times a dict's, and a row is read ~60 times.
    row: dict[str, Any] = result._asdict()
    key = f"{row['project_key']}-{row['number']}"
    return s.Issue(
        id=row["id"],
        key=key,
        full_key=key,
        number=row["number"],
        title=row["title"],
        description=row["description"],
        project=s.IssueProject(
            id=row["project_id"],
            name=row["project_name"],
            key=row["project_key"],
            methodology=row["project_methodology"],
            status=row["project_status"],
            workspace=row["workspace_id"],
        ),
        issue_type=s.IssueTypeBrief(
            id=row["type_id"],
            name=row["type_name"],
            category=row["type_category"],
            icon=row["type_icon"],
            color=row["type_color"],
        ),
        status=s.IssueStatus(
            id=row["status_id"],
            name=row["status_name"],
            category=row["status_category"],
            color=row["status_color"],
            order=row["status_order"],
            is_initial=row["status_is_initial"],
            is_final=row["status_is_final"],
        ),
        priority=row["priority"],
        assignee=_user(row, "assignee"),
        reporter=_user(row, "reporter"),
        parent_issue=s.IssueBrief(
            id=row["parent_id"], key=f"{row['project_key']}-{row['parent_number']}", title=row["parent_title"]
        )
        if row["parent_id"]
        else None,
        sprint=row["sprint_id"],
        story_points=_number(row["story_points"]),
        estimated_hours=_number(row["estimated_hours"]),
        actual_hours=_number(row["actual_hours"]),
        due_date=row["due_date"],
        labels=list(row["labels"] or []),
        rank=row["rank"],
        is_active=row["is_active"],
        comment_count=row["comment_count"] or 0,
        attachment_count=row["attachment_count"] or 0,
        link_count=row["link_count"] or 0,
        resolved_at=row["resolved_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
