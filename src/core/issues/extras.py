"""What hangs off an issue: comments, links (with their reciprocal), attachments (stored privately)."""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, or_, select

from core.access import Level
from core.db import models as m
from core.dispatch import record_event
from core.events import CommentAdded
from core.http.errors import FieldErrors, NotFound, PayloadTooLarge
from core.issues.services import IssueService

if TYPE_CHECKING:
    from core.context import RequestCtx
    from core.files import FileStore
    from core.http.body import Upload
    from core.http.pagination import PageParams

__all__ = ("LINK_TYPES", "AttachmentService", "CommentService", "LinkService")

LINK_TYPES = {
    "blocks": "blocked_by",
    "blocked_by": "blocks",
    "duplicates": "duplicated_by",
    "duplicated_by": "duplicates",
    "depends_on": "dependency_of",
    "dependency_of": "depends_on",
    "relates_to": "relates_to",
}


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class _IssueChild:
    """Shared plumbing: the parent issue, its project and organization, and activity rows about it."""

    def __init__(self, ctx: RequestCtx) -> None:
        self.ctx = ctx
        self.issues = IssueService(ctx)

    async def _issue(self, issue_id: uuid.UUID, need: Level) -> tuple[m.Issue, m.Project, Level, uuid.UUID]:
        issue, project, level = await self.issues.get(issue_id, need)
        org_id = await self.issues.organization_id(project)
        return issue, project, level, org_id

    def _log(
        self, issue: m.Issue, project: m.Project, org_id: uuid.UUID, action: str, changes: dict[str, Any]
    ) -> m.Activity:
        return self.issues.log(issue, project, org_id, action, changes)


class CommentService(_IssueChild):
    """Comments: anyone who may work in the project comments; authors edit; authors and admins delete."""

    async def list(
        self, issue_id: uuid.UUID, params: PageParams, ordering: str | None
    ) -> tuple[int, list[tuple[m.Comment, m.User | None]]]:
        """Comments of a visible issue, oldest first (``?ordering=-created_at`` for newest)."""
        await self._issue(issue_id, Level.READ)
        stmt = (
            select(m.Comment, m.User)
            .outerjoin(m.User, m.User.id == m.Comment.author_id)
            .where(m.Comment.issue_id == issue_id)
        )
        count = await self.ctx.session.scalar(select(func.count(m.Comment.id)).where(m.Comment.issue_id == issue_id))
        order = m.Comment.created_at.desc() if (ordering or "").startswith("-") else m.Comment.created_at.asc()
        rows = (
            await self.ctx.session.execute(stmt.order_by(order, m.Comment.id).offset(params.offset).limit(params.limit))
        ).all()
        return count or 0, [(row[0], row[1]) for row in rows]

    async def add(self, issue_id: uuid.UUID, content: str) -> m.Comment:
        """Comment on an issue."""
        issue, project, _, org_id = await self._issue(issue_id, Level.WRITE)
        text = content.strip()
        if not text:
            raise FieldErrors({"content": ["A comment cannot be empty."]})
        comment = m.Comment(issue_id=issue.id, author_id=self.ctx.user.id, content=text)
        self.ctx.session.add(comment)
        await self.ctx.session.flush()
        row = self._log(issue, project, org_id, "commented", {"comment": {"old": None, "new": text[:200]}})
        record_event(
            self.ctx.session,
            CommentAdded(
                **self.issues.event_ids(issue, project, org_id),
                comment_id=comment.id,
                author_id=self.ctx.user.id,
                content=text,
            ),
            row,
        )
        await self.ctx.commit()
        return comment

    async def _comment(self, issue_id: uuid.UUID, comment_id: uuid.UUID) -> m.Comment:
        comment = await self.ctx.session.get(m.Comment, comment_id)
        if comment is None or comment.issue_id != issue_id:
            raise NotFound
        return comment

    async def edit(self, issue_id: uuid.UUID, comment_id: uuid.UUID, content: str) -> m.Comment:
        """Edit your own comment (marked as edited)."""
        await self._issue(issue_id, Level.READ)
        comment = await self._comment(issue_id, comment_id)
        if comment.author_id != self.ctx.user.id:
            raise NotFound("Only the author can edit this comment.")
        text = content.strip()
        if not text:
            raise FieldErrors({"content": ["A comment cannot be empty."]})
        if text != comment.content:
            comment.content = text
            comment.is_edited = True
            comment.edited_at = _now()
        await self.ctx.commit()
        return comment

    async def remove(self, issue_id: uuid.UUID, comment_id: uuid.UUID) -> None:
        """Delete a comment: its author or a project admin."""
        issue, project, level, org_id = await self._issue(issue_id, Level.READ)
        comment = await self._comment(issue_id, comment_id)
        if comment.author_id != self.ctx.user.id and level < Level.MANAGE:
            raise NotFound("Only the author or a project admin can delete this comment.")
        self._log(issue, project, org_id, "deleted", {"comment": {"old": comment.content[:200], "new": None}})
        await self.ctx.session.delete(comment)
        await self.ctx.commit()

    async def author(self, comment: m.Comment) -> m.User | None:
        """The comment's author."""
        return await self.ctx.session.get(m.User, comment.author_id) if comment.author_id else None


class LinkService(_IssueChild):
    """Typed links between issues; each link is stored with its reciprocal on the other issue."""

    async def list(
        self, issue_id: uuid.UUID, params: PageParams
    ) -> tuple[int, list[tuple[m.IssueLink, m.Issue, m.Project]]]:
        """Links from a visible issue, with the issues they point at."""
        await self._issue(issue_id, Level.READ)
        base = (
            select(m.IssueLink, m.Issue, m.Project)
            .join(m.Issue, m.Issue.id == m.IssueLink.target_issue_id)
            .join(m.Project, m.Project.id == m.Issue.project_id)
            .where(m.IssueLink.source_issue_id == issue_id, m.Issue.is_active.is_(True))
        )
        count = await self.ctx.session.scalar(select(func.count()).select_from(base.subquery()))
        rows = (
            await self.ctx.session.execute(
                base.order_by(m.IssueLink.created_at, m.IssueLink.id).offset(params.offset).limit(params.limit)
            )
        ).all()
        return count or 0, [(row[0], row[1], row[2]) for row in rows]

    async def add(self, issue_id: uuid.UUID, target_id: uuid.UUID, link_type: str) -> m.IssueLink:
        """Link two issues (the caller must be able to see both and work on the source)."""
        issue, project, _, org_id = await self._issue(issue_id, Level.WRITE)
        kind = link_type.strip().lower()
        if kind not in LINK_TYPES:
            raise FieldErrors({"link_type": [f"{kind!r} is not a link type. Choose from: {', '.join(LINK_TYPES)}."]})
        if target_id == issue.id:
            raise FieldErrors({"target_issue_id": ["An issue cannot be linked to itself."]})
        try:
            target, target_project, _ = await self.issues.get(target_id, Level.READ)
        except NotFound:
            raise FieldErrors({"target_issue_id": ["Issue not found."]}) from None
        if await self.issues.organization_id(target_project) != org_id:
            raise FieldErrors({"target_issue_id": ["Issues of different organizations cannot be linked."]})
        duplicate = await self.ctx.session.scalar(
            select(m.IssueLink.id).where(
                m.IssueLink.source_issue_id == issue.id,
                m.IssueLink.target_issue_id == target.id,
                m.IssueLink.link_type == kind,
            )
        )
        if duplicate:
            raise FieldErrors({"link_type": ["These issues are already linked this way."]})
        link = m.IssueLink(
            source_issue_id=issue.id, target_issue_id=target.id, link_type=kind, created_by_id=self.ctx.user.id
        )
        self.ctx.session.add(link)
        reciprocal_exists = await self.ctx.session.scalar(
            select(m.IssueLink.id).where(
                m.IssueLink.source_issue_id == target.id,
                m.IssueLink.target_issue_id == issue.id,
                m.IssueLink.link_type == LINK_TYPES[kind],
            )
        )
        if not reciprocal_exists:
            self.ctx.session.add(
                m.IssueLink(
                    source_issue_id=target.id,
                    target_issue_id=issue.id,
                    link_type=LINK_TYPES[kind],
                    created_by_id=self.ctx.user.id,
                )
            )
        await self.ctx.session.flush()
        target_key = f"{target_project.key}-{target.number}"
        self._log(issue, project, org_id, "linked", {"link": {"old": None, "new": f"{kind} {target_key}"}})
        await self.ctx.commit()
        return link

    async def get(self, issue_id: uuid.UUID, link_id: uuid.UUID) -> tuple[m.IssueLink, m.Issue, m.Project]:
        """One link of a visible issue."""
        await self._issue(issue_id, Level.READ)
        row = (
            await self.ctx.session.execute(
                select(m.IssueLink, m.Issue, m.Project)
                .join(m.Issue, m.Issue.id == m.IssueLink.target_issue_id)
                .join(m.Project, m.Project.id == m.Issue.project_id)
                .where(m.IssueLink.id == link_id, m.IssueLink.source_issue_id == issue_id)
            )
        ).first()
        if row is None:
            raise NotFound
        return row[0], row[1], row[2]

    async def remove(self, issue_id: uuid.UUID, link_id: uuid.UUID) -> None:
        """Remove a link and its reciprocal."""
        issue, project, _, org_id = await self._issue(issue_id, Level.WRITE)
        link = await self.ctx.session.get(m.IssueLink, link_id)
        if link is None or link.source_issue_id != issue.id:
            raise NotFound
        await self.ctx.session.execute(
            delete(m.IssueLink).where(
                or_(
                    m.IssueLink.id == link.id,
                    (m.IssueLink.source_issue_id == link.target_issue_id)
                    & (m.IssueLink.target_issue_id == link.source_issue_id)
                    & (m.IssueLink.link_type == LINK_TYPES[link.link_type]),
                )
            )
        )
        self._log(issue, project, org_id, "updated", {"link": {"old": link.link_type, "new": None}})
        await self.ctx.commit()


class AttachmentService(_IssueChild):
    """Files attached to issues, kept in private storage and read back through an access check."""

    def __init__(self, ctx: RequestCtx, store: FileStore, max_bytes: int) -> None:
        super().__init__(ctx)
        self.store = store
        self.max_bytes = max_bytes

    async def list(
        self, issue_id: uuid.UUID, params: PageParams
    ) -> tuple[int, list[tuple[m.Attachment, m.User | None]]]:
        """Attachments of a visible issue, newest first."""
        await self._issue(issue_id, Level.READ)
        stmt = (
            select(m.Attachment, m.User)
            .outerjoin(m.User, m.User.id == m.Attachment.uploaded_by_id)
            .where(m.Attachment.issue_id == issue_id)
        )
        count = await self.ctx.session.scalar(
            select(func.count(m.Attachment.id)).where(m.Attachment.issue_id == issue_id)
        )
        rows = (
            await self.ctx.session.execute(
                stmt.order_by(m.Attachment.created_at.desc(), m.Attachment.id).offset(params.offset).limit(params.limit)
            )
        ).all()
        return count or 0, [(row[0], row[1]) for row in rows]

    async def add(self, issue_id: uuid.UUID, upload: Upload | None) -> m.Attachment:
        """Attach a file (multipart ``file``); the stored name is ours, never the client's path."""
        issue, project, _, org_id = await self._issue(issue_id, Level.WRITE)
        if upload is None:
            raise FieldErrors({"file": ["No file was submitted."]})
        if len(upload.data) > self.max_bytes:
            msg = f"The file is larger than {self.max_bytes // (1024 * 1024)} MB."
            raise PayloadTooLarge(msg)
        display_name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1].strip()[:255] or "file"
        key = f"attachments/{issue.id}/{uuid.uuid4().hex}"
        content_type = (upload.content_type or "application/octet-stream")[:100]
        await self.store.put(key, upload.data, content_type)
        attachment = m.Attachment(
            issue_id=issue.id,
            filename=display_name,
            storage_key=key,
            content_type=content_type,
            file_size=len(upload.data),
            uploaded_by_id=self.ctx.user.id,
            extra={"store": self.store.name},
        )
        self.ctx.session.add(attachment)
        await self.ctx.session.flush()
        self._log(issue, project, org_id, "attached", {"attachment": {"old": None, "new": display_name}})
        await self.ctx.commit()
        return attachment

    async def get(self, issue_id: uuid.UUID, attachment_id: uuid.UUID) -> m.Attachment:
        """One attachment of a visible issue."""
        await self._issue(issue_id, Level.READ)
        attachment = await self.ctx.session.get(m.Attachment, attachment_id)
        if attachment is None or attachment.issue_id != issue_id:
            raise NotFound
        return attachment

    async def content(self, issue_id: uuid.UUID, attachment_id: uuid.UUID) -> tuple[m.Attachment, bytes]:
        """An attachment and its bytes."""
        attachment = await self.get(issue_id, attachment_id)
        try:
            data = await self.store.get(attachment.storage_key)
        except (FileNotFoundError, OSError) as exc:
            raise NotFound("The file is no longer in storage.") from exc
        return attachment, data

    async def remove(self, issue_id: uuid.UUID, attachment_id: uuid.UUID) -> None:
        """Delete an attachment: its uploader or a project admin."""
        issue, project, level, org_id = await self._issue(issue_id, Level.READ)
        attachment = await self.ctx.session.get(m.Attachment, attachment_id)
        if attachment is None or attachment.issue_id != issue.id:
            raise NotFound
        if attachment.uploaded_by_id != self.ctx.user.id and level < Level.MANAGE:
            raise NotFound("Only the uploader or a project admin can delete this attachment.")
        self._log(issue, project, org_id, "deleted", {"attachment": {"old": attachment.filename, "new": None}})
        await self.ctx.session.delete(attachment)
        await self.ctx.commit()
        await self.store.delete(attachment.storage_key)
