"""``/api/v1/projects/issues/{id}/comments|links|attachments/...``."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

import msgspec
from litestar import Controller, MediaType, Request, Response, delete, get, patch, post
from litestar.datastructures import State
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from core.auth.presenters import user_basic
from core.context import Ctx, RequestCtx
from core.db import models as m
from core.http.body import read_body
from core.http.pagination import Page, page_params
from core.http.params import FromPath, FromQuery, JSONBody
from core.issues import schemas as s
from core.issues.extras import AttachmentService, CommentService, LinkService

__all__ = ("AttachmentController", "CommentController", "LinkController", "attachment_controller")


def _comment(comment: m.Comment, author: m.User | None) -> s.Comment:
    return s.Comment(
        id=comment.id,
        issue=comment.issue_id,
        author=user_basic(author) if author else None,
        content=comment.content,
        is_edited=comment.is_edited,
        edited_at=comment.edited_at,
        created_at=comment.created_at,
        updated_at=comment.updated_at,
    )


def _link(link: m.IssueLink, target: m.Issue, project: m.Project) -> s.IssueLinkShape:
    return s.IssueLinkShape(
        id=link.id,
        source_issue=link.source_issue_id,
        target_issue=s.IssueBrief(id=target.id, key=f"{project.key}-{target.number}", title=target.title),
        link_type=link.link_type,
        created_at=link.created_at,
    )


def _attachment(attachment: m.Attachment, uploader: m.User | None) -> s.AttachmentShape:
    return s.AttachmentShape(
        id=attachment.id,
        issue=attachment.issue_id,
        filename=attachment.filename,
        content_type=attachment.content_type,
        file_size=attachment.file_size,
        file_size_mb=round(attachment.file_size / (1024 * 1024), 2),
        file_url=f"/api/v1/projects/issues/{attachment.issue_id}/attachments/{attachment.id}/download/",
        uploaded_by=user_basic(uploader) if uploader else None,
        uploaded_at=attachment.created_at,
    )


class CommentController(Controller):
    """Comments of an issue."""

    path = "/api/v1/projects/issues/{issue_id:uuid}/comments"
    tags = ["issues"]

    @get("/", operation_id="ListComments")
    async def list_comments(
        self,
        ctx: Ctx,
        issue_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        ordering: FromQuery[str | None] = None,
    ) -> Page[s.Comment]:
        """Comments, oldest first."""
        params = page_params(request)
        count, rows = await CommentService(ctx).list(issue_id, params, ordering)
        return params.build(count, [_comment(*row) for row in rows])

    @post("/", status_code=HTTP_201_CREATED, operation_id="AddComment")
    async def add_comment(self, ctx: Ctx, issue_id: FromPath[uuid.UUID], data: JSONBody[s.CommentBody]) -> s.Comment:
        """Comment on the issue."""
        service = CommentService(ctx)
        comment = await service.add(issue_id, data.content)
        return _comment(comment, ctx.user)

    @patch("/{comment_id:uuid}", operation_id="EditComment")
    async def edit_comment(
        self, ctx: Ctx, issue_id: FromPath[uuid.UUID], comment_id: FromPath[uuid.UUID], data: JSONBody[s.CommentBody]
    ) -> s.Comment:
        """Edit your comment."""
        service = CommentService(ctx)
        comment = await service.edit(issue_id, comment_id, data.content)
        return _comment(comment, await service.author(comment))

    @delete("/{comment_id:uuid}", status_code=HTTP_204_NO_CONTENT, operation_id="DeleteComment")
    async def delete_comment(self, ctx: Ctx, issue_id: FromPath[uuid.UUID], comment_id: FromPath[uuid.UUID]) -> None:
        """Delete a comment (its author or a project admin)."""
        await CommentService(ctx).remove(issue_id, comment_id)


class LinkController(Controller):
    """Links from an issue to others."""

    path = "/api/v1/projects/issues/{issue_id:uuid}/links"
    tags = ["issues"]

    @get("/", operation_id="ListIssueLinks")
    async def list_links(
        self, ctx: Ctx, issue_id: FromPath[uuid.UUID], request: Request[Any, Any, Any]
    ) -> Page[s.IssueLinkShape]:
        """Links from the issue (the reciprocal of each shows on the other issue)."""
        params = page_params(request)
        count, rows = await LinkService(ctx).list(issue_id, params)
        return params.build(count, [_link(*row) for row in rows])

    @post("/", status_code=HTTP_201_CREATED, operation_id="AddIssueLink")
    async def add_link(self, ctx: Ctx, issue_id: FromPath[uuid.UUID], data: JSONBody[s.LinkCreate]) -> s.IssueLinkShape:
        """Link to another issue (blocks, blocked_by, relates_to, duplicates, duplicated_by, depends_on, dependency_of)."""
        target = data.target_issue_id or data.target_issue
        if target is None:
            from core.http.errors import FieldErrors

            raise FieldErrors({"target_issue_id": ["This field is required."]})
        service = LinkService(ctx)
        link = await service.add(issue_id, target, data.link_type)
        return _link(*await service.get(issue_id, link.id))

    @get("/{link_id:uuid}", operation_id="GetIssueLink")
    async def get_link(self, ctx: Ctx, issue_id: FromPath[uuid.UUID], link_id: FromPath[uuid.UUID]) -> s.IssueLinkShape:
        """One link."""
        return _link(*await LinkService(ctx).get(issue_id, link_id))

    @delete("/{link_id:uuid}", status_code=HTTP_204_NO_CONTENT, operation_id="DeleteIssueLink")
    async def delete_link(self, ctx: Ctx, issue_id: FromPath[uuid.UUID], link_id: FromPath[uuid.UUID]) -> None:
        """Remove a link and its reciprocal."""
        await LinkService(ctx).remove(issue_id, link_id)


def _attachments(ctx: RequestCtx, state: State) -> AttachmentService:
    return AttachmentService(ctx, state.files, state.settings.attachment_max_mb * 1024 * 1024)


class _EmptyForm(msgspec.Struct):
    """An upload's form fields besides the file (none are read)."""


class AttachmentController(Controller):
    """Files attached to an issue."""

    path = "/api/v1/projects/issues/{issue_id:uuid}/attachments"
    tags = ["issues"]

    @get("/", operation_id="ListAttachments")
    async def list_attachments(
        self, ctx: Ctx, issue_id: FromPath[uuid.UUID], request: Request[Any, Any, Any], state: State
    ) -> Page[s.AttachmentShape]:
        """Attachments, newest first."""
        params = page_params(request)
        count, rows = await _attachments(ctx, state).list(issue_id, params)
        return params.build(count, [_attachment(*row) for row in rows])

    @post("/", status_code=HTTP_201_CREATED, operation_id="UploadAttachment")
    async def upload(
        self, ctx: Ctx, issue_id: FromPath[uuid.UUID], request: Request[Any, Any, Any], state: State
    ) -> s.AttachmentShape:
        """Attach a file (multipart field ``file``)."""
        _, files = await read_body(request, _EmptyForm)
        attachment = await _attachments(ctx, state).add(issue_id, files.get("file"))
        return _attachment(attachment, ctx.user)

    @get("/{attachment_id:uuid}", operation_id="GetAttachment")
    async def get_attachment(
        self, ctx: Ctx, issue_id: FromPath[uuid.UUID], attachment_id: FromPath[uuid.UUID], state: State
    ) -> s.AttachmentShape:
        """One attachment's details."""
        attachment = await _attachments(ctx, state).get(issue_id, attachment_id)
        uploader = await ctx.session.get(m.User, attachment.uploaded_by_id) if attachment.uploaded_by_id else None
        return _attachment(attachment, uploader)

    @get("/{attachment_id:uuid}/download", operation_id="DownloadAttachment", media_type=MediaType.TEXT)
    async def download(
        self, ctx: Ctx, issue_id: FromPath[uuid.UUID], attachment_id: FromPath[uuid.UUID], state: State
    ) -> Response[bytes]:
        """The file itself, with its original name."""
        attachment, data = await _attachments(ctx, state).content(issue_id, attachment_id)
        disposition = f"attachment; filename*=UTF-8''{quote(attachment.filename)}"
        return Response(
            data,
            media_type=attachment.content_type,
            headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"},
        )

    @delete("/{attachment_id:uuid}", status_code=HTTP_204_NO_CONTENT, operation_id="DeleteAttachment")
    async def delete_attachment(
        self, ctx: Ctx, issue_id: FromPath[uuid.UUID], attachment_id: FromPath[uuid.UUID], state: State
    ) -> None:
        """Delete an attachment (its uploader or a project admin)."""
        await _attachments(ctx, state).remove(issue_id, attachment_id)


def attachment_controller(max_mb: int) -> type[AttachmentController]:
    """The attachment routes, accepting bodies up to ``max_mb`` (plus the multipart envelope) instead of 10 MB."""
    return type(
        "AttachmentController",
        (AttachmentController,),
        {"request_max_body_size": (max_mb + 1) * 1024 * 1024, "__module__": __name__},
    )
