"""``/api/v1/orgs/...``: organizations, members, invitations. Thin: parse, call a service, present."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Controller, Request, delete, get, patch, post, put
from litestar.datastructures import State
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from core.context import Ctx
from core.http.body import read_body
from core.http.pagination import Page, page_params
from core.http.params import DbSession, FromPath, FromQuery, JSONBody, flag, optional_uuid
from core.organizations import presenters as p
from core.organizations import schemas as s
from core.organizations.invitations import InvitationService, find_by_token
from core.organizations.services import MemberService, OrganizationService

__all__ = ("InvitationController", "OrgMemberController", "OrganizationController")


class LogoUrl(msgspec.Struct):
    """The new logo's URL."""

    logo_url: str


class AcceptedInvitation(msgspec.Struct):
    """The answer to accepting an invitation."""

    success: bool
    message: str
    organization: s.InvitationOrganization
    role: str
    membership_id: uuid.UUID


class Message(msgspec.Struct):
    """A plain confirmation."""

    message: str


class OrganizationController(Controller):
    """Organizations the caller belongs to."""

    path = "/api/v1/orgs/organizations"
    tags = ["organizations"]

    @get("/", operation_id="ListOrganizations")
    async def list_organizations(
        self,
        ctx: Ctx,
        request: Request[Any, Any, Any],
        search: FromQuery[str | None] = None,
        ordering: FromQuery[str | None] = None,
    ) -> Page[s.Organization]:
        """The caller's organizations with member, workspace and project counts."""
        params = page_params(request)
        count, rows = await OrganizationService(ctx).list(params, search, ordering)
        return params.build(count, [p.organization(row) for row in rows])

    @post("/", status_code=HTTP_201_CREATED, operation_id="CreateOrganization")
    async def create_organization(self, ctx: Ctx, request: Request[Any, Any, Any]) -> s.Organization:
        """Create an organization (JSON, or multipart with a ``logo``); the caller becomes its owner."""
        data, files = await read_body(request, s.OrganizationCreate)
        return p.organization(await OrganizationService(ctx).create(data, files.get("logo")))

    @get("/{org_id:uuid}", operation_id="GetOrganization")
    async def get_organization(self, ctx: Ctx, org_id: FromPath[uuid.UUID]) -> s.Organization:
        """One organization the caller belongs to."""
        return p.organization(await OrganizationService(ctx).get(org_id))

    @patch("/{org_id:uuid}", operation_id="UpdateOrganization")
    async def update_organization(
        self, ctx: Ctx, org_id: FromPath[uuid.UUID], request: Request[Any, Any, Any]
    ) -> s.Organization:
        """Edit an organization (owners and admins); JSON or multipart with a ``logo``."""
        data, files = await read_body(request, s.OrganizationUpdate)
        return p.organization(await OrganizationService(ctx).update(org_id, data, files.get("logo")))

    @put("/{org_id:uuid}", operation_id="ReplaceOrganization")
    async def replace_organization(
        self, ctx: Ctx, org_id: FromPath[uuid.UUID], request: Request[Any, Any, Any]
    ) -> s.Organization:
        """Same as PATCH: the fields sent change."""
        data, files = await read_body(request, s.OrganizationUpdate)
        return p.organization(await OrganizationService(ctx).update(org_id, data, files.get("logo")))

    @delete("/{org_id:uuid}", status_code=HTTP_204_NO_CONTENT, operation_id="DeleteOrganization")
    async def delete_organization(
        self, ctx: Ctx, org_id: FromPath[uuid.UUID], confirm: FromQuery[str | None] = None
    ) -> None:
        """Delete an organization (owners). One holding workspaces needs ``?confirm=true``."""
        await OrganizationService(ctx).delete(org_id, flag(confirm))

    @post("/{org_id:uuid}/upload-logo", status_code=HTTP_200_OK, operation_id="UploadOrganizationLogo")
    async def upload_logo(self, ctx: Ctx, org_id: FromPath[uuid.UUID], request: Request[Any, Any, Any]) -> LogoUrl:
        """Replace the logo (multipart ``logo``)."""
        _, files = await read_body(request, s.OrganizationUpdate)
        return LogoUrl(logo_url=await OrganizationService(ctx).upload_logo(org_id, files.get("logo")))

    @get("/{org_id:uuid}/members", operation_id="ListOrganizationMembers")
    async def list_members(
        self,
        ctx: Ctx,
        org_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        search: FromQuery[str | None] = None,
        role: FromQuery[str | None] = None,
        ordering: FromQuery[str | None] = None,
    ) -> Page[s.OrgMember]:
        """Active members of the organization (search, role filter, ordering, pages)."""
        params = page_params(request)
        count, rows = await MemberService(ctx).list(org_id, params, search=search, role=role, ordering=ordering)
        return params.build(count, [p.member(*row) for row in rows])

    @patch("/{org_id:uuid}/members/{member_id:uuid}", operation_id="UpdateOrganizationMember")
    async def update_member(
        self, ctx: Ctx, org_id: FromPath[uuid.UUID], member_id: FromPath[uuid.UUID], data: JSONBody[s.MemberRoleUpdate]
    ) -> s.OrgMember:
        """Change a member's role."""
        service = MemberService(ctx)
        member, _, _ = await service.get(member_id)
        if member.organization_id != org_id:
            from core.http.errors import NotFound

            raise NotFound
        await service.change_role(member_id, data.role)
        return p.member(*await service.get(member_id))

    @delete(
        "/{org_id:uuid}/members/{member_id:uuid}",
        status_code=HTTP_204_NO_CONTENT,
        operation_id="RemoveOrganizationMember",
    )
    async def remove_member(self, ctx: Ctx, org_id: FromPath[uuid.UUID], member_id: FromPath[uuid.UUID]) -> None:
        """Remove a member from the organization."""
        service = MemberService(ctx)
        member, _, _ = await service.get(member_id)
        if member.organization_id != org_id:
            from core.http.errors import NotFound

            raise NotFound
        await service.remove(member_id)


class OrgMemberController(Controller):
    """Organization memberships addressed by their own id."""

    path = "/api/v1/orgs/members"
    tags = ["organizations"]

    @get("/", operation_id="ListMemberships")
    async def list_memberships(
        self,
        ctx: Ctx,
        request: Request[Any, Any, Any],
        organization: FromQuery[str | None] = None,
        search: FromQuery[str | None] = None,
        role: FromQuery[str | None] = None,
        ordering: FromQuery[str | None] = None,
    ) -> Page[s.OrgMember]:
        """Members of ``?organization=`` (which the caller must belong to)."""
        org_id = optional_uuid(organization, "organization")
        if org_id is None:
            from core.http.errors import FieldErrors

            raise FieldErrors({"organization": ["This filter is required."]})
        params = page_params(request)
        count, rows = await MemberService(ctx).list(org_id, params, search=search, role=role, ordering=ordering)
        return params.build(count, [p.member(*row) for row in rows])

    @get("/{member_id:uuid}", operation_id="GetMembership")
    async def get_membership(self, ctx: Ctx, member_id: FromPath[uuid.UUID]) -> s.OrgMember:
        """One membership of an organization the caller belongs to."""
        service = MemberService(ctx)
        member, user, inviter = await service.get(member_id)
        await ctx.policy.organization(member.organization_id)
        return p.member(member, user, inviter)

    @patch("/{member_id:uuid}/update-role", operation_id="UpdateMemberRole")
    async def update_role(
        self, ctx: Ctx, member_id: FromPath[uuid.UUID], data: JSONBody[s.MemberRoleUpdate]
    ) -> s.OrgMember:
        """Change a member's role (owners: anyone; admins: non-admins); the last owner stays owner."""
        service = MemberService(ctx)
        await service.change_role(member_id, data.role)
        return p.member(*await service.get(member_id))

    @delete("/{member_id:uuid}", status_code=HTTP_204_NO_CONTENT, operation_id="RemoveMembership")
    async def remove(self, ctx: Ctx, member_id: FromPath[uuid.UUID]) -> None:
        """Remove a member (or leave, when it is your own membership)."""
        await MemberService(ctx).remove(member_id)


class InvitationController(Controller):
    """Invitations to organizations."""

    path = "/api/v1/orgs/invitations"
    tags = ["invitations"]

    @post("/", status_code=HTTP_201_CREATED, operation_id="CreateInvitation")
    async def create_invitation(self, ctx: Ctx, data: JSONBody[s.InvitationCreate]) -> s.InvitationCreated:
        """Invite an email (owners, admins, managers); the invitee gets a link valid for 7 days."""
        row = await InvitationService(ctx).create(data)
        return s.InvitationCreated(
            message=f"Invitation sent to {row[0].email}.", invitation=p.invitation(row, ctx.settings)
        )

    @get("/", operation_id="ListInvitations")
    async def list_invitations(
        self,
        ctx: Ctx,
        request: Request[Any, Any, Any],
        organization: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
        search: FromQuery[str | None] = None,
        ordering: FromQuery[str | None] = None,
    ) -> Page[s.Invitation]:
        """Invitations of the caller's organizations (filter by organization and status)."""
        params = page_params(request)
        count, rows = await InvitationService(ctx).list(
            params,
            organization=optional_uuid(organization, "organization"),
            status=status,
            search=search,
            ordering=ordering,
        )
        return params.build(count, [p.invitation(row, ctx.settings) for row in rows])

    @get("/{token:str}", opt={"exclude_from_auth": True}, operation_id="GetInvitationByToken")
    async def by_token(self, token: FromPath[str], db_session: DbSession, state: State) -> s.Invitation:
        """Look an invitation up by its token (public: the token is the secret)."""
        return p.invitation(await find_by_token(db_session, token), state.settings)

    @delete("/{invitation_id:uuid}", status_code=HTTP_204_NO_CONTENT, operation_id="CancelInvitation")
    async def cancel(self, ctx: Ctx, invitation_id: FromPath[uuid.UUID]) -> None:
        """Cancel a pending invitation."""
        await InvitationService(ctx).cancel(invitation_id)

    @post("/{invitation_id:uuid}/resend", status_code=HTTP_200_OK, operation_id="ResendInvitation")
    async def resend(self, ctx: Ctx, invitation_id: FromPath[uuid.UUID]) -> s.InvitationCreated:
        """Send the invitation again, valid for another 7 days."""
        row = await InvitationService(ctx).resend(invitation_id)
        return s.InvitationCreated(
            message=f"Invitation re-sent to {row[0].email}.", invitation=p.invitation(row, ctx.settings)
        )

    @post("/{token:str}/accept", status_code=HTTP_200_OK, operation_id="AcceptInvitation")
    async def accept(self, ctx: Ctx, token: FromPath[str]) -> AcceptedInvitation:
        """Join the organization (signed in with the invited email)."""
        org, member = await InvitationService(ctx).accept(token)
        return AcceptedInvitation(
            success=True,
            message=f"You joined {org.name}.",
            organization=s.InvitationOrganization(
                id=org.id, name=org.name, slug=org.slug, organization_type=org.organization_type, logo_url=org.logo_url
            ),
            role=member.role,
            membership_id=member.id,
        )

    @post("/{token:str}/reject", status_code=HTTP_200_OK, operation_id="RejectInvitation")
    async def reject(self, ctx: Ctx, token: FromPath[str]) -> Message:
        """Decline the invitation (signed in with the invited email)."""
        await InvitationService(ctx).decline(token)
        return Message(message="Invitation declined.")
