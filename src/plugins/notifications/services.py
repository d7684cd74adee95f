"""Services of the notifications plugin.

* :class:`NotificationService`, :class:`PreferenceService`, :class:`ProjectSettingsService` back the API; each
  public method commits what it changes and only ever touches the caller's own rows (others' ids are a 404).
* :class:`Notifier` turns lifecycle events and cron findings into notifications: the in-app rows inline (one
  transaction, idempotent through ``dedupe_key``), email and Slack as background jobs, and a live push.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import re
import uuid
import zoneinfo
from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from core.access import ORG_ADMIN_ROLES, Level
from core.db import models as m
from core.http.errors import FieldErrors, NotFound
from core.http.query import apply_ordering, apply_search
from plugins.notifications import schemas as s
from plugins.notifications.models import Delivery, Notification, Preference, ProjectSettings
from plugins.notifications.realtime import user_channel

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.context import RequestCtx
    from core.http.pagination import PageParams
    from core.jobs import JobQueue
    from core.realtime import Realtime
    from core.settings import Settings

__all__ = (
    "Draft",
    "NotificationService",
    "Notifier",
    "PreferenceService",
    "ProjectSettingsService",
    "Runtime",
    "allows",
    "present",
    "present_preferences",
    "present_project_settings",
    "zone_of",
)

logger = logging.getLogger("scrum.notifications")

_ORDERING = {"created_at": Notification.created_at, "is_read": Notification.is_read, "title": Notification.title}
_TYPE_ALIASES = {"issue_assigned": "assignment"}
_DEFAULT_PROJECT_SETTINGS = {
    "slack_webhook_url": "",
    "notify_on_issue_created": True,
    "notify_on_issue_updated": True,
    "notify_on_issue_assigned": True,
    "notify_on_comment_added": True,
    "notify_on_sprint_started": True,
    "notify_on_sprint_completed": True,
    "notify_on_deadline": True,
}
CHANNELS = ("in_app", "email", "slack")


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


# --- presenters -------------------------------------------------------------------------------------------


def present(row: Notification, user: m.User) -> s.Notification:
    """The API shape of ``row`` (``user`` is its recipient)."""
    return s.Notification(
        id=row.id,
        recipient=user.id,
        recipient_email=user.email,
        recipient_name=user.full_name,
        notification_type=row.notification_type,
        type_display=s.NOTIFICATION_TYPES.get(row.notification_type, row.notification_type.replace("_", " ").title()),
        title=row.title,
        message=row.message,
        link=row.link,
        data=row.data or {},
        is_read=row.is_read,
        read_at=row.read_at,
        email_sent=row.email_sent,
        slack_sent=row.slack_sent,
        created_at=row.created_at,
    )


def present_preferences(row: Preference, user: m.User) -> s.Preferences:
    """The API shape of a user's preferences."""
    return s.Preferences(
        id=row.id,
        user=user.id,
        user_email=user.email,
        email_enabled=row.email_enabled,
        in_app_enabled=row.in_app_enabled,
        slack_enabled=row.slack_enabled,
        notification_types=dict(row.notification_types or {}),
        digest_enabled=row.digest_enabled,
        digest_time=row.digest_time,
        quiet_hours_enabled=row.quiet_hours_enabled,
        quiet_hours_start=row.quiet_hours_start,
        quiet_hours_end=row.quiet_hours_end,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def present_project_settings(row: ProjectSettings) -> s.ProjectSettings:
    """The API shape of a project's notification settings."""
    return s.ProjectSettings(
        project_id=row.project_id,
        **{field: getattr(row, field) for field in _DEFAULT_PROJECT_SETTINGS},
    )


# --- preferences rules ------------------------------------------------------------------------------------


def allows(pref: Preference | None, notification_type: str, channel: str) -> bool:
    """Whether ``pref`` lets ``notification_type`` through ``channel`` (no row = the defaults)."""
    if pref is None:
        return channel != "slack"
    master = {"in_app": pref.in_app_enabled, "email": pref.email_enabled, "slack": pref.slack_enabled}[channel]
    if not master:
        return False
    switch = (pref.notification_types or {}).get(notification_type, True)
    if isinstance(switch, dict):
        return bool(switch.get(channel, True))
    return bool(switch)


def _clock(value: str) -> datetime.time:
    hours, minutes = value.split(":")[:2]
    return datetime.time(int(hours), int(minutes))


def zone_of(name: str | None) -> datetime.tzinfo:
    """The time zone called ``name`` (a user's profile setting), UTC when unknown."""
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return datetime.UTC


def quiet_until(pref: Preference | None, timezone: str | None, now: datetime.datetime | None = None) -> int | None:
    """When the user's quiet hours are on now, the epoch second they end (emails wait until then), else None."""
    if pref is None or not pref.quiet_hours_enabled:
        return None
    zone = zone_of(timezone)
    local = (now or _now()).astimezone(zone)
    start, end = _clock(pref.quiet_hours_start), _clock(pref.quiet_hours_end)
    current = local.time()
    inside = (start <= current < end) if start <= end else (current >= start or current < end)
    if not inside:
        return None
    end_at = datetime.datetime.combine(local.date(), end, tzinfo=zone)
    if end_at <= local:
        end_at += datetime.timedelta(days=1)
    return int(end_at.timestamp())


# --- API services -----------------------------------------------------------------------------------------


def _bool_filter(value: str | None, field: str) -> bool | None:
    raw = (value or "").strip().lower()
    if raw in ("", "undefined", "null", "none", "all"):
        return None
    if raw in ("1", "true", "yes"):
        return True
    if raw in ("0", "false", "no"):
        return False
    raise FieldErrors({field: ["Must be true or false."]})


def _datetime_filter(value: str | None, field: str) -> datetime.datetime | None:
    raw = (value or "").strip()
    if raw in ("", "undefined", "null"):
        return None
    try:
        parsed = datetime.datetime.fromisoformat(raw)
    except ValueError:
        raise FieldErrors({field: ["Enter a date (YYYY-MM-DD) or an ISO-8601 date and time."]}) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


class NotificationService:
    """The caller's own in-app notifications."""

    def __init__(self, ctx: RequestCtx) -> None:
        self.ctx = ctx
        self.session = ctx.session
        self.user = ctx.user

    def _mine(self) -> ColumnElement[bool]:
        return Notification.recipient_id == self.user.id

    async def list(
        self,
        params: PageParams,
        *,
        is_read: str | None = None,
        notification_type: str | None = None,
        created_after: str | None = None,
        created_before: str | None = None,
        search: str | None = None,
        ordering: str | None = None,
    ) -> tuple[int, Sequence[Notification]]:
        """One page of the caller's notifications with the contract's filters; and how many match in all."""
        conditions: list[ColumnElement[bool]] = [self._mine()]
        read = _bool_filter(is_read, "is_read")
        if read is not None:
            conditions.append(Notification.is_read.is_(read))
        kind = (notification_type or "").strip()
        if kind and kind not in ("all", "undefined", "null"):
            conditions.append(Notification.notification_type == _TYPE_ALIASES.get(kind, kind))
        if (after := _datetime_filter(created_after, "created_after")) is not None:
            conditions.append(Notification.created_at >= after)
        if (before := _datetime_filter(created_before, "created_before")) is not None:
            conditions.append(Notification.created_at <= before)
        stmt = apply_search(select(Notification).where(*conditions), search, [Notification.title, Notification.message])
        count = await self.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        stmt = apply_ordering(
            stmt, ordering, _ORDERING, [Notification.created_at.desc()], tiebreaker=Notification.id.desc()
        )
        rows = (await self.session.scalars(stmt.offset(params.offset).limit(params.limit))).all()
        return int(count), rows

    async def unread_count(self) -> int:
        """How many of the caller's notifications are unread (one indexed count)."""
        stmt = select(func.count(Notification.id)).where(self._mine(), Notification.is_read.is_(False))
        return int(await self.session.scalar(stmt) or 0)

    async def mark_all_read(self) -> int:
        """Mark every unread notification of the caller read; return how many changed."""
        result = await self.session.execute(
            update(Notification)
            .where(self._mine(), Notification.is_read.is_(False))
            .values(is_read=True, read_at=_now(), updated_at=_now())
            .execution_options(synchronize_session=False)
        )
        await self.session.commit()
        return int(getattr(result, "rowcount", 0) or 0)

    async def get(self, notification_id: uuid.UUID) -> Notification:
        """One of the caller's notifications; anyone else's is a 404."""
        row = await self.session.scalar(select(Notification).where(Notification.id == notification_id, self._mine()))
        if row is None:
            raise NotFound
        return row

    async def set_read(self, notification_id: uuid.UUID, is_read: bool) -> Notification:
        """Mark one notification read or unread."""
        row = await self.get(notification_id)
        if row.is_read != is_read:
            row.is_read = is_read
            row.read_at = _now() if is_read else None
            await self.session.commit()
        return row

    async def delete(self, notification_id: uuid.UUID) -> None:
        """Delete one of the caller's notifications."""
        row = await self.get(notification_id)
        await self.session.delete(row)
        await self.session.commit()

    async def delete_read(self) -> int:
        """Delete every read notification of the caller; return how many."""
        result = await self.session.execute(
            delete(Notification)
            .where(self._mine(), Notification.is_read.is_(True))
            .execution_options(synchronize_session=False)
        )
        await self.session.commit()
        return int(getattr(result, "rowcount", 0) or 0)


class PreferenceService:
    """The caller's notification preferences."""

    def __init__(self, ctx: RequestCtx) -> None:
        self.session = ctx.session
        self.user = ctx.user

    async def get(self) -> Preference:
        """The caller's preferences, created with the defaults on first read."""
        row = await self.session.scalar(select(Preference).where(Preference.user_id == self.user.id))
        if row is not None:
            return row
        row = Preference(user_id=self.user.id, notification_types={})
        self.session.add(row)
        try:
            await self.session.commit()
        except IntegrityError:  # a concurrent first read created it
            await self.session.rollback()
            row = await self.session.scalar(select(Preference).where(Preference.user_id == self.user.id))
            if row is None:
                raise
        return row

    async def update(self, data: s.PreferencesUpdate) -> Preference:
        """Apply the fields sent; unknown notification types and channels are a 400."""
        row = await self.get()
        sent = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        if "notification_types" in sent:
            merged = dict(row.notification_types or {})
            for kind, switch in sent.pop("notification_types").items():
                if kind not in s.NOTIFICATION_TYPES:
                    raise FieldErrors({"notification_types": [f"Unknown notification type {kind!r}."]})
                if isinstance(switch, dict):
                    unknown = sorted(set(switch) - set(CHANNELS))
                    if unknown:
                        raise FieldErrors({"notification_types": [f"Unknown channel(s): {', '.join(unknown)}."]})
                merged[kind] = switch
            row.notification_types = merged
        for field, value in sent.items():
            setattr(
                row, field, value[:5] if field in ("digest_time", "quiet_hours_start", "quiet_hours_end") else value
            )
        row.updated_at = _now()
        await self.session.commit()
        return row


class ProjectSettingsService:
    """A project's notification settings (project admins only)."""

    def __init__(self, ctx: RequestCtx) -> None:
        self.ctx = ctx
        self.session = ctx.session

    async def get(self, project_id: uuid.UUID | None) -> ProjectSettings:
        """The settings of a project the caller manages (defaults when never saved; nothing is written)."""
        if project_id is None:
            raise FieldErrors({"project": ["This field is required."]})
        await self.ctx.policy.project(project_id, Level.MANAGE)
        row = await self.session.scalar(select(ProjectSettings).where(ProjectSettings.project_id == project_id))
        return row or ProjectSettings(project_id=project_id, **_DEFAULT_PROJECT_SETTINGS)

    async def update(
        self, project_id: uuid.UUID | None, data: s.ProjectSettingsUpdate, check_url: Callable[[str], str | None]
    ) -> ProjectSettings:
        """Apply the fields sent; ``check_url`` says why a webhook URL is refused (None = fine)."""
        row = await self.get(project_id)
        sent = {
            k: v
            for k, v in msgspec.structs.asdict(data).items()
            if v is not msgspec.UNSET and k not in ("project", "project_id")
        }
        url = str(sent.get("slack_webhook_url", "") or "").strip()
        if url and (problem := check_url(url)):
            raise FieldErrors({"slack_webhook_url": [problem]})
        if "slack_webhook_url" in sent:
            sent["slack_webhook_url"] = url
        for field, value in sent.items():
            setattr(row, field, value)
        if row not in self.session:
            self.session.add(row)
        try:
            await self.session.commit()
        except IntegrityError:  # saved concurrently for the first time: apply on top of that row
            await self.session.rollback()
            return await self.update(project_id, data, check_url)
        return row


# --- the notifier -----------------------------------------------------------------------------------------


@dataclasses.dataclass(slots=True)
class Draft:
    """A notification about to be created for one recipient."""

    recipient_id: int
    notification_type: str
    title: str
    message: str = ""
    link: str = ""
    data: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(slots=True)
class Runtime:
    """What the hooks and jobs of the plugin share in one process: the database, the jobs, the live fan-out."""

    session_factory: Callable[[], AsyncSession]
    jobs: JobQueue
    settings: Settings
    realtime: Realtime | None = None

    def notifier(self, session: AsyncSession) -> Notifier:
        """A :class:`Notifier` on ``session``."""
        return Notifier(session, self.jobs, self.settings, self.realtime)


@dataclasses.dataclass(slots=True)
class _Project:
    id: uuid.UUID
    key: str
    name: str
    workspace_id: uuid.UUID
    organization_id: uuid.UUID
    visibility: str
    lead_id: int | None


class Notifier:
    """Creates notifications for one change: rows inline, then email/Slack jobs and the live push."""

    def __init__(self, session: AsyncSession, jobs: JobQueue, settings: Settings, realtime: Realtime | None) -> None:
        self.session = session
        self.jobs = jobs
        self.settings = settings
        self.realtime = realtime

    def url(self, link: str) -> str:
        """An absolute web-client URL for a route such as ``/projects/<id>/issues/<id>``."""
        return f"{self.settings.frontend_url}{link}" if link.startswith("/") else link

    async def project(self, project_id: uuid.UUID) -> _Project | None:
        """The project a change happened in (None when it is gone)."""
        row = (
            await self.session.execute(
                select(
                    m.Project.id,
                    m.Project.key,
                    m.Project.name,
                    m.Project.workspace_id,
                    m.Workspace.organization_id,
                    m.Workspace.visibility,
                    m.Project.lead_id,
                )
                .join(m.Workspace, m.Workspace.id == m.Project.workspace_id)
                .where(m.Project.id == project_id)
            )
        ).first()
        return None if row is None else _Project(*row)

    async def project_settings(self, project_id: uuid.UUID) -> ProjectSettings:
        """The project's settings, or the defaults."""
        row = await self.session.scalar(select(ProjectSettings).where(ProjectSettings.project_id == project_id))
        return row or ProjectSettings(project_id=project_id, **_DEFAULT_PROJECT_SETTINGS)

    @staticmethod
    def can_see(project: _Project) -> ColumnElement[bool]:
        """A filter on :class:`m.User` rows: the user may see ``project`` (the core's access rules, in SQL)."""
        in_org = exists().where(
            m.OrgMember.user_id == m.User.id,
            m.OrgMember.organization_id == project.organization_id,
            m.OrgMember.is_active.is_(True),
        )
        org_admin = exists().where(
            m.OrgMember.user_id == m.User.id,
            m.OrgMember.organization_id == project.organization_id,
            m.OrgMember.is_active.is_(True),
            m.OrgMember.role.in_(ORG_ADMIN_ROLES),
        )
        workspace_member = exists().where(
            m.WorkspaceMember.user_id == m.User.id,
            m.WorkspaceMember.workspace_id == project.workspace_id,
            m.WorkspaceMember.is_active.is_(True),
        )
        project_member = exists().where(
            m.ProjectMember.user_id == m.User.id,
            m.ProjectMember.project_id == project.id,
            m.ProjectMember.is_active.is_(True),
        )
        others: list[ColumnElement[bool]] = [org_admin, workspace_member, project_member]
        if project.lead_id is not None:
            others.append(m.User.id == project.lead_id)
        if project.visibility == "public":
            return in_org
        return in_org & or_(*others)

    async def members(self, project: _Project) -> list[int]:
        """Active project members and workspace members of the project's workspace."""
        project_members = select(m.ProjectMember.user_id).where(
            m.ProjectMember.project_id == project.id, m.ProjectMember.is_active.is_(True)
        )
        workspace_members = select(m.WorkspaceMember.user_id).where(
            m.WorkspaceMember.workspace_id == project.workspace_id, m.WorkspaceMember.is_active.is_(True)
        )
        rows = await self.session.scalars(
            select(m.User.id)
            .where(or_(m.User.id.in_(project_members), m.User.id.in_(workspace_members)), m.User.is_active.is_(True))
            .order_by(m.User.id)
        )
        return list(rows.all())

    async def user_names(self, ids: Iterable[int | None]) -> dict[int, str]:
        """Display names of users by id."""
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        rows = await self.session.scalars(select(m.User).where(m.User.id.in_(wanted)))
        return {user.id: user.full_name for user in rows.all()}

    async def notify(
        self,
        drafts: Sequence[Draft],
        *,
        project: _Project | None,
        kind: str,
        actor_id: int | None = None,
        dedupe_key: str | None = None,
        slack: tuple[str, str, str] | None = None,
    ) -> list[Notification]:
        """Create the notifications of one change and queue their email and Slack messages.

        Args:
            drafts: one per recipient, in order of precedence (a recipient's first draft wins).
            project: where the change happened; the project's ``notify_on_<kind>`` switch can silence it, and
                only users who may see the project are notified.
            kind: the project switch that governs this change (``issue_created``, ``sprint_started``, ...).
            actor_id: who made the change; never notified of it.
            dedupe_key: the change's idempotency key (``event:<id>``); the same key never notifies a user twice.
            slack: ``(title, message, link)`` to post to the project's Slack webhook, once per change.

        Returns:
            The in-app notifications created now (none for a repeated key).
        """
        chosen: dict[int, Draft] = {}
        for draft in drafts:
            if draft.recipient_id != actor_id and draft.recipient_id not in chosen:
                chosen[draft.recipient_id] = draft
        settings_row = None
        if project is not None:
            settings_row = await self.project_settings(project.id)
            if not getattr(settings_row, f"notify_on_{kind}", True):
                return []
        users: dict[int, m.User] = {}
        if chosen:
            stmt = select(m.User).where(m.User.id.in_(chosen), m.User.is_active.is_(True))
            if project is not None:
                stmt = stmt.where(self.can_see(project))
            users = {user.id: user for user in (await self.session.scalars(stmt)).all()}
        prefs = {}
        if users:
            rows = await self.session.scalars(select(Preference).where(Preference.user_id.in_(users)))
            prefs = {row.user_id: row for row in rows.all()}
        created = await self._create_rows(
            [
                draft
                for uid, draft in chosen.items()
                if uid in users and allows(prefs.get(uid), draft.notification_type, "in_app")
            ],
            project,
            dedupe_key,
        )
        by_recipient = {row.recipient_id: row for row in created}
        for made in created:
            await self._push(made, users[made.recipient_id])
        for uid, user in users.items():
            draft = chosen[uid]
            pref = prefs.get(uid)
            if not allows(pref, draft.notification_type, "email") or (pref is not None and pref.digest_enabled):
                continue
            # A redelivered change queues the same email again: the job's delivery key sends it once.
            row = by_recipient.get(uid)
            await self.email(
                user.email,
                "notification",
                {"title": draft.title, "message": draft.message, "url": self.url(draft.link) if draft.link else ""},
                key=f"{dedupe_key or (row.id if row else uuid.uuid4())}:{uid}",
                notification_id=row.id if row else None,
                scheduled=quiet_until(pref, user.timezone),
            )
        if slack is not None and project is not None and settings_row is not None:
            await self.slack(project.id, *slack, key=dedupe_key or uuid.uuid4().hex)
        return created

    async def _create_rows(
        self, drafts: Sequence[Draft], project: _Project | None, dedupe_key: str | None
    ) -> list[Notification]:
        if not drafts:
            return []
        for _ in range(2):
            skip: set[int] = set()
            if dedupe_key is not None:
                rows = await self.session.scalars(
                    select(Notification.recipient_id).where(
                        Notification.dedupe_key == dedupe_key,
                        Notification.recipient_id.in_([d.recipient_id for d in drafts]),
                    )
                )
                skip = set(rows.all())
            created = [
                Notification(
                    recipient_id=draft.recipient_id,
                    notification_type=draft.notification_type,
                    title=draft.title[:255],
                    message=draft.message,
                    link=draft.link[:500],
                    data=draft.data,
                    project_id=project.id if project else None,
                    dedupe_key=dedupe_key,
                )
                for draft in drafts
                if draft.recipient_id not in skip
            ]
            self.session.add_all(created)
            try:
                await self.session.commit()
            except IntegrityError:  # the same change delivered concurrently: re-check and create the rest
                await self.session.rollback()
                continue
            return created
        return []

    async def _push(self, row: Notification, user: m.User) -> None:
        if self.realtime is None:
            return
        await self.realtime.publish(
            [user_channel(user)], "notification.created", msgspec.to_builtins(present(row, user))
        )

    async def email(
        self,
        to: str,
        template: str,
        values: dict[str, Any],
        *,
        key: str,
        notification_id: uuid.UUID | None = None,
        scheduled: int | None = None,
    ) -> None:
        """Queue an email (``notifications:send_email``); ``key`` makes it go out once."""
        await self.jobs.enqueue(
            "notifications:send_email",
            key=f"email:{key}",
            scheduled=scheduled,
            delivery_key=key,
            to=to,
            template=template,
            values=values,
            notification_id=str(notification_id) if notification_id else None,
        )

    async def slack(self, project_id: uuid.UUID, title: str, message: str, link: str, *, key: str) -> None:
        """Queue a Slack post to the project's webhook (``notifications:send_slack``), once per ``key``."""
        await self.jobs.enqueue(
            "notifications:send_slack",
            key=f"slack:{key}",
            delivery_key=key,
            project_id=str(project_id),
            title=title,
            message=message,
            link=self.url(link) if link else "",
        )


async def webhook_for(session: AsyncSession, project_id: uuid.UUID) -> str:
    """The project's Slack webhook: its notification settings, else the project configuration's (if enabled)."""
    url = await session.scalar(
        select(ProjectSettings.slack_webhook_url).where(ProjectSettings.project_id == project_id)
    )
    if url:
        return url
    row = (
        await session.execute(
            select(m.ProjectConfig.slack_webhook_url, m.ProjectConfig.slack_notifications).where(
                m.ProjectConfig.project_id == project_id
            )
        )
    ).first()
    return row[0] if row is not None and row[1] and row[0] else ""


async def already_delivered(session: AsyncSession, key: str, channel: str) -> bool:
    """True when a message with ``key`` went out on ``channel`` before."""
    found = await session.scalar(select(Delivery.id).where(Delivery.key == key, Delivery.channel == channel).limit(1))
    return found is not None


async def record_delivery(
    session: AsyncSession, key: str, channel: str, recipient: str, notification_id: uuid.UUID | None = None
) -> None:
    """Remember that a message went out (a concurrent duplicate is ignored) and flag its notification."""
    session.add(Delivery(key=key, channel=channel, recipient=recipient[:500], notification_id=notification_id))
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
    flag = {"email": Notification.email_sent, "slack": Notification.slack_sent}[channel]
    if notification_id is not None:
        await session.execute(update(Notification).where(Notification.id == notification_id).values({flag: True}))
    elif channel == "slack":
        await session.execute(update(Notification).where(Notification.dedupe_key == key).values({flag: True}))
    await session.commit()


MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9_.+-]{1,150})")


def mentioned_usernames(text: str) -> set[str]:
    """Lower-cased usernames mentioned as ``@username`` in ``text``."""
    return {name.rstrip(".").lower() for name in MENTION.findall(text or "")}
