"""Invitations: invite by email, resend, cancel, and accept or decline while signed in with that email."""

from __future__ import annotations

import datetime
import secrets
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from core.activity import record_activity
from core.auth.services import normalize_email
from core.db import models as m
from core.dispatch import record_event
from core.events import MemberInvited
from core.http.errors import ApplicationError, FieldErrors, NotFound
from core.http.query import apply_ordering, apply_search
from core.organizations.services import ORG_ROLES

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.context import RequestCtx
    from core.http.pagination import PageParams
    from core.organizations import schemas as s
    from core.settings import Settings

__all__ = ("INVITATION_DAYS", "InvitationRow", "InvitationService", "acceptance_url", "find_by_token")

INVITATION_DAYS = 7
# Who may invite with which role: nobody hands out more than they have.
_MAY_INVITE = {
    "owner": ORG_ROLES,
    "admin": ("admin", "manager", "member", "guest"),
    "manager": ("member", "guest"),
}
InvitationRow = tuple[m.Invitation, m.Organization, m.User | None]


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def acceptance_url(settings: Settings, token: str) -> str:
    """The web client's page for accepting an invitation."""
    return f"{settings.frontend_url}/accept-invitation?token={token}"


def effective_status(invitation: m.Invitation) -> str:
    """``expired`` for a pending invitation past its date, else the stored status."""
    if invitation.status == "pending" and invitation.expires_at <= _now():
        return "expired"
    return invitation.status


async def find_by_token(session: AsyncSession, token: str) -> InvitationRow:
    """An invitation by its token with its organization and inviter; unknown tokens are a 404."""
    row = (
        await session.execute(
            select(m.Invitation, m.Organization, m.User)
            .join(m.Organization, m.Organization.id == m.Invitation.organization_id)
            .outerjoin(m.User, m.User.id == m.Invitation.invited_by_id)
            .where(m.Invitation.token == token[:64], m.Organization.is_active.is_(True))
        )
    ).first()
    if row is None:
        raise NotFound
    return row[0], row[1], row[2]


class InvitationService:
    """Invitations as the signed-in user may see and manage them."""

    def __init__(self, ctx: RequestCtx) -> None:
        self.ctx = ctx

    def _event(self, invitation: m.Invitation, org: m.Organization, *, resent: bool) -> MemberInvited:
        return MemberInvited(
            invitation_id=invitation.id,
            organization_id=org.id,
            organization_name=org.name,
            email=invitation.email,
            role=invitation.role,
            token=invitation.token,
            accept_url=acceptance_url(self.ctx.settings, invitation.token),
            expires_at=invitation.expires_at,
            resent=resent,
            actor_id=self.ctx.user.id,
        )

    def _log(self, invitation: m.Invitation, action: str, changes: dict[str, Any] | None = None) -> None:
        record_activity(
            self.ctx.session,
            actor=self.ctx.user,
            action=action,
            object_type="invitation",
            object_id=invitation.id,
            object_repr=f"invitation for {invitation.email}",
            object_url=f"/organizations/{invitation.organization_id}/members",
            changes=changes,
            organization_id=invitation.organization_id,
            ip_address=self.ctx.ip,
        )

    async def create(self, data: s.InvitationCreate) -> InvitationRow:
        """Invite an email to an organization (owners, admins and managers)."""
        org, my_role = await self.ctx.policy.organization(data.organization)
        role = data.role.strip().lower()
        if role not in ORG_ROLES:
            raise FieldErrors({"role": [f"{role!r} is not a valid choice. Choose from: {', '.join(ORG_ROLES)}."]})
        if my_role not in _MAY_INVITE:
            raise NotFound("Only owners, admins and managers can invite members.")
        if role not in _MAY_INVITE[my_role]:
            raise FieldErrors({"role": [f"As {my_role} you can invite as: {', '.join(_MAY_INVITE[my_role])}."]})
        email = normalize_email(data.email)
        if "@" not in email or "." not in email.rsplit("@", 1)[-1]:
            raise FieldErrors({"email": ["Enter a valid email address."]})
        already = await self.ctx.session.scalar(
            select(m.OrgMember.id)
            .join(m.User, m.User.id == m.OrgMember.user_id)
            .where(m.OrgMember.organization_id == org.id, m.OrgMember.is_active.is_(True), m.User.email == email)
        )
        if already:
            msg = f"{email} is already a member of this organization."
            raise ApplicationError(msg)
        pending = await self.ctx.session.scalar(
            select(m.Invitation).where(
                m.Invitation.organization_id == org.id, m.Invitation.email == email, m.Invitation.status == "pending"
            )
        )
        if pending is not None and pending.expires_at > _now():
            msg = f"An invitation for {email} is already pending. Resend it instead."
            raise ApplicationError(msg)
        if pending is not None:
            pending.status = "expired"  # make room for the new one (one pending per email)
            await self.ctx.session.flush()
        invitation = m.Invitation(
            organization_id=org.id,
            email=email,
            role=role,
            status="pending",
            token=secrets.token_urlsafe(32),
            message=data.message,
            invited_by_id=self.ctx.user.id,
            expires_at=_now() + datetime.timedelta(days=INVITATION_DAYS),
        )
        self.ctx.session.add(invitation)
        try:
            await self.ctx.session.flush()
        except IntegrityError:
            await self.ctx.session.rollback()
            msg = f"An invitation for {email} is already pending. Resend it instead."
            raise ApplicationError(msg) from None
        self._log(invitation, "created", {"email": {"old": None, "new": email}, "role": {"old": None, "new": role}})
        record_event(self.ctx.session, self._event(invitation, org, resent=False))
        await self.ctx.commit()
        return invitation, org, self.ctx.user

    async def list(
        self,
        params: PageParams,
        *,
        organization: uuid.UUID | None,
        status: str | None,
        search: str | None,
        ordering: str | None,
    ) -> tuple[int, list[InvitationRow]]:
        """Invitations of the caller's organizations (optionally one of them, one status)."""
        stmt = (
            select(m.Invitation, m.Organization, m.User)
            .join(m.Organization, m.Organization.id == m.Invitation.organization_id)
            .outerjoin(m.User, m.User.id == m.Invitation.invited_by_id)
            .where(
                m.Organization.is_active.is_(True),
                m.Invitation.organization_id.in_(self.ctx.policy.org_ids()),
            )
        )
        if organization is not None:
            stmt = stmt.where(m.Invitation.organization_id == organization)
        now = _now()
        if status == "expired":
            stmt = stmt.where(
                or_(
                    m.Invitation.status == "expired",
                    (m.Invitation.status == "pending") & (m.Invitation.expires_at <= now),
                )
            )
        elif status == "pending":
            stmt = stmt.where(m.Invitation.status == "pending", m.Invitation.expires_at > now)
        elif status:
            stmt = stmt.where(m.Invitation.status == status)
        stmt = apply_search(stmt, search, [m.Invitation.email])
        count = await self.ctx.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        stmt = apply_ordering(
            stmt,
            ordering,
            {"created_at": m.Invitation.created_at, "email": m.Invitation.email, "expires_at": m.Invitation.expires_at},
            default=[m.Invitation.created_at.desc()],
            tiebreaker=m.Invitation.id,
        )
        rows = (await self.ctx.session.execute(stmt.offset(params.offset).limit(params.limit))).all()
        return count or 0, [(row[0], row[1], row[2]) for row in rows]

    async def _managed(self, invitation_id: uuid.UUID) -> tuple[m.Invitation, m.Organization]:
        invitation = await self.ctx.session.get(m.Invitation, invitation_id)
        if invitation is None:
            raise NotFound
        org, my_role = await self.ctx.policy.organization(invitation.organization_id)
        if my_role not in ("owner", "admin") and invitation.invited_by_id != self.ctx.user.id:
            raise NotFound("Only owners, admins and the inviter can manage this invitation.")
        return invitation, org

    async def cancel(self, invitation_id: uuid.UUID) -> None:
        """Cancel a pending invitation (owners, admins, or whoever sent it)."""
        invitation, _ = await self._managed(invitation_id)
        if invitation.status == "accepted":
            msg = "This invitation was already accepted; remove the member instead."
            raise ApplicationError(msg)
        if invitation.status != "cancelled":
            invitation.status = "cancelled"
            self._log(invitation, "deleted")
        await self.ctx.commit()

    async def resend(self, invitation_id: uuid.UUID) -> InvitationRow:
        """Send a pending (or expired) invitation again, valid for another week."""
        invitation, org = await self._managed(invitation_id)
        if invitation.status not in ("pending", "expired"):
            msg = f"A {invitation.status} invitation cannot be resent."
            raise ApplicationError(msg)
        invitation.status = "pending"
        invitation.expires_at = _now() + datetime.timedelta(days=INVITATION_DAYS)
        try:
            await self.ctx.session.flush()
        except IntegrityError:
            await self.ctx.session.rollback()
            msg = "Another invitation for this email is pending."
            raise ApplicationError(msg) from None
        self._log(invitation, "updated", {"resent": {"old": None, "new": True}})
        record_event(self.ctx.session, self._event(invitation, org, resent=True))
        await self.ctx.commit()
        inviter = await self.ctx.session.get(m.User, invitation.invited_by_id) if invitation.invited_by_id else None
        return invitation, org, inviter

    async def _for_me(self, token: str) -> InvitationRow:
        invitation, org, inviter = await find_by_token(self.ctx.session, token)
        if invitation.email != normalize_email(self.ctx.user.email):
            msg = "This invitation was sent to another email address. Sign in with that address to answer it."
            raise ApplicationError(msg)
        status = effective_status(invitation)
        if status != "pending":
            msg = f"This invitation is {status}."
            raise ApplicationError(msg)
        return invitation, org, inviter

    async def accept(self, token: str) -> tuple[m.Organization, m.OrgMember]:
        """Join the organization with the invited role."""
        invitation, org, _ = await self._for_me(token)
        member = await self.ctx.session.scalar(
            select(m.OrgMember).where(m.OrgMember.organization_id == org.id, m.OrgMember.user_id == self.ctx.user.id)
        )
        if member is not None and member.is_active:
            invitation.status = "accepted"
            invitation.accepted_at = _now()
            await self.ctx.commit()
            msg = "You are already a member of this organization."
            raise ApplicationError(msg)
        if member is None:
            member = m.OrgMember(organization_id=org.id, user_id=self.ctx.user.id)
            self.ctx.session.add(member)
        member.role = invitation.role
        member.status = "active"
        member.is_active = True
        member.invited_by_id = invitation.invited_by_id
        member.invited_at = invitation.created_at
        member.joined_at = _now()
        invitation.status = "accepted"
        invitation.accepted_at = _now()
        self._log(invitation, "updated", {"status": {"old": "pending", "new": "accepted"}})
        await self.ctx.commit()
        return org, member

    async def decline(self, token: str) -> None:
        """Decline an invitation addressed to the caller."""
        invitation, _, _ = await self._for_me(token)
        invitation.status = "declined"
        self._log(invitation, "updated", {"status": {"old": "pending", "new": "declined"}})
        await self.ctx.commit()
