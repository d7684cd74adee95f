"""Account rules: registration, login with throttling, token rotation, logout, password reset, profile edits."""

from __future__ import annotations

import datetime
import hashlib
import logging
import re
import secrets
from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError

from core.auth.passwords import hash_password, needs_rehash, password_problems, verify_password
from core.auth.tokens import InvalidTokenError, TokenClaims
from core.db import models as m
from core.dispatch import record_event
from core.events import PasswordResetRequested, UserRegistered
from core.http.errors import ApplicationError, FieldErrors, NotAuthenticatedError, NotFound, RateLimited

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.auth import schemas as s
    from core.auth.runtime import AuthRuntime
    from core.dispatch import EventDispatcher
    from core.settings import Settings

__all__ = ("AccountService", "normalize_email")

logger = logging.getLogger("scrum.auth")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_USERNAME = re.compile(r"^[\w.@+-]+$")


def normalize_email(email: str) -> str:
    """Emails are compared and stored trimmed and lower-cased."""
    return email.strip().lower()


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccountService:
    """Everything about accounts. Owns its transactions: each public method commits what it changes."""

    def __init__(
        self,
        session: AsyncSession,
        runtime: AuthRuntime,
        dispatcher: EventDispatcher,
        settings: Settings,
    ) -> None:
        self.session = session
        self.runtime = runtime
        self.dispatcher = dispatcher
        self.settings = settings

    # --- lookups ------------------------------------------------------------------------------------------------

    async def authenticate(self, claims: TokenClaims) -> m.User:
        """The active user an access token belongs to, unless the token was revoked.

        Raises:
            NotAuthenticatedError: unknown or inactive user, revoked or superseded token.
        """
        revoked = exists().where(m.RevokedToken.jti == claims.jti)
        row = (await self.session.execute(select(m.User, revoked).where(m.User.id == claims.user_id))).first()
        if row is None or not row[0].is_active:
            msg = "User not found or inactive."
            raise NotAuthenticatedError(msg)
        user, is_revoked = row
        if is_revoked or self._superseded(user, claims):
            msg = "Token has been revoked."
            raise NotAuthenticatedError(msg)
        return user

    @staticmethod
    def _superseded(user: m.User, claims: TokenClaims) -> bool:
        return user.tokens_valid_after is not None and claims.issued_at < user.tokens_valid_after

    async def get_visible_user(self, actor: m.User, user_id: int) -> m.User:
        """A user the actor may see: themself, or anyone for staff. Others are a 404."""
        if user_id != actor.id and not actor.is_staff:
            raise NotFound
        user = await self.session.get(m.User, user_id)
        if user is None:
            raise NotFound
        return user

    async def _email_taken(self, email: str, exclude_id: int | None = None) -> bool:
        stmt = select(m.User.id).where(m.User.email == email)
        if exclude_id is not None:
            stmt = stmt.where(m.User.id != exclude_id)
        return (await self.session.scalar(stmt.limit(1))) is not None

    async def _username_taken(self, username: str, exclude_id: int | None = None) -> bool:
        stmt = select(m.User.id).where(func.lower(m.User.username) == username.lower())
        if exclude_id is not None:
            stmt = stmt.where(m.User.id != exclude_id)
        return (await self.session.scalar(stmt.limit(1))) is not None

    # --- registration -------------------------------------------------------------------------------------------

    async def register(self, data: s.Register) -> m.User:
        """Create an account.

        Raises:
            FieldErrors: invalid or duplicate fields, mismatched or weak password.
        """
        email = normalize_email(data.email)
        username = data.username.strip()
        errors: dict[str, list[str]] = {}
        if not _EMAIL.match(email):
            errors["email"] = ["Enter a valid email address."]
        elif await self._email_taken(email):
            errors["email"] = ["A user with that email already exists."]
        if not _USERNAME.match(username):
            errors["username"] = ["Enter a valid username: letters, digits and @/./+/-/_ only."]
        elif await self._username_taken(username):
            errors["username"] = ["A user with that username already exists."]
        if data.password != data.password_confirm:
            errors["password_confirm"] = ["Passwords do not match."]
        problems = password_problems(data.password, personal=(username, email, data.first_name, data.last_name))
        if problems:
            errors["password"] = problems
        if errors:
            raise FieldErrors(errors)
        user = m.User(
            email=email,
            username=username,
            first_name=data.first_name.strip(),
            last_name=data.last_name.strip(),
            password_hash=await hash_password(data.password),
        )
        self.session.add(user)
        try:
            await self.session.flush()
        except IntegrityError:
            # A concurrent registration took the email or username between our check and the insert.
            await self.session.rollback()
            raise FieldErrors({"email": ["A user with that email or username already exists."]}) from None
        record_event(self.session, UserRegistered(user_id=user.id, email=email, username=username, actor_id=user.id))
        await self.dispatcher.commit(self.session)
        return user

    # --- login, tokens ------------------------------------------------------------------------------------------

    async def login(self, email: str, password: str, ip: str) -> tuple[str, str, m.User]:
        """Check credentials under the per-IP and per-account limits; return access, refresh and the user.

        Raises:
            RateLimited: too many attempts from this IP or for this account.
            ApplicationError: wrong credentials or inactive account (one message for all, nothing leaks).
        """
        email = normalize_email(email)
        limiter = self.runtime.limiter
        ip_count, ip_wait = await limiter.hit(f"login:ip:{ip}")
        if ip_count > self.runtime.rate_per_ip:
            raise RateLimited(ip_wait)
        account_key = f"login:account:{hashlib.sha256(email.encode()).hexdigest()[:32]}"
        failures, account_wait = await limiter.count(account_key)
        if failures >= self.runtime.rate_per_account:
            raise RateLimited(account_wait)
        user = await self.session.scalar(select(m.User).where(m.User.email == email))
        valid = await verify_password(user.password_hash if user else None, password)
        if user is None or not valid or not user.is_active:
            await limiter.hit(account_key)
            msg = "Invalid email or password."
            raise ApplicationError(msg)
        await limiter.reset(account_key)
        if needs_rehash(user.password_hash):
            user.password_hash = await hash_password(password)
        user.last_login = _now()
        await self.session.commit()
        access, refresh = self._issue_pair(user.id)
        return access, refresh, user

    def _issue_pair(self, user_id: int) -> tuple[str, str]:
        access, _ = self.runtime.codec.issue(user_id, "access")
        refresh, _ = self.runtime.codec.issue(user_id, "refresh")
        return access, refresh

    async def refresh(self, token: str) -> tuple[str, str]:
        """Rotate a refresh token: the used one is revoked and a new pair is issued.

        Raises:
            NotAuthenticatedError: the token is invalid, expired, already used, or its user is inactive.
        """
        try:
            claims = self.runtime.codec.decode(token, "refresh")
        except InvalidTokenError as exc:
            raise NotAuthenticatedError(str(exc)) from None
        user = await self.authenticate(claims)
        self._revoke(claims, user.id)
        try:
            await self.session.commit()
        except IntegrityError:
            # Someone else used this token first (a concurrent refresh): it is spent.
            await self.session.rollback()
            msg = "Token has been revoked."
            raise NotAuthenticatedError(msg) from None
        return self._issue_pair(user.id)

    def _revoke(self, claims: TokenClaims, user_id: int) -> None:
        self.session.add(
            m.RevokedToken(jti=claims.jti, user_id=user_id, token_type=claims.token_type, expires_at=claims.expires_at)
        )

    async def logout(self, user: m.User, access: TokenClaims, refresh_token: str | None) -> None:
        """Revoke the access token in use and, when given and valid, the refresh token."""
        self._revoke(access, user.id)
        if refresh_token:
            try:
                claims = self.runtime.codec.decode(refresh_token, "refresh")
            except InvalidTokenError:
                claims = None
            if claims is not None and claims.user_id == user.id:
                already = await self.session.scalar(select(m.RevokedToken.id).where(m.RevokedToken.jti == claims.jti))
                if already is None:
                    self._revoke(claims, user.id)
        await self.session.commit()

    # --- password reset -----------------------------------------------------------------------------------------

    async def request_password_reset(self, email: str, ip: str) -> None:
        """Create a single-use reset token and announce it; answers the same whether or not the email exists.

        Raises:
            RateLimited: too many requests from this IP.
        """
        count, wait = await self.runtime.limiter.hit(f"reset:ip:{ip}")
        if count > self.runtime.rate_per_ip:
            raise RateLimited(wait)
        email = normalize_email(email)
        user = await self.session.scalar(select(m.User).where(m.User.email == email, m.User.is_active.is_(True)))
        if user is None:
            return
        token = secrets.token_urlsafe(32)
        expires_at = _now() + datetime.timedelta(minutes=self.settings.password_reset_lifetime)
        self.session.add(
            m.PasswordResetToken(user_id=user.id, token_hash=_hash_token(token), expires_at=expires_at, requested_ip=ip)
        )
        reset_url = f"{self.settings.frontend_url}/auth/reset-password/{token}"
        record_event(
            self.session,
            PasswordResetRequested(
                user_id=user.id, email=email, token=token, reset_url=reset_url, expires_at=expires_at, actor_id=user.id
            ),
        )
        await self.dispatcher.commit(self.session)
        if not self.settings.is_production:
            # Embedded mode has no mail server configured by default: the log is how a developer gets the link.
            logger.warning("password reset link for %s: %s", email, reset_url)

    async def confirm_password_reset(self, data: s.PasswordResetConfirm) -> None:
        """Set a new password with a valid, unused, unexpired token; the token is spent and old JWTs die.

        Raises:
            FieldErrors: bad token, mismatched or weak password.
        """
        if data.new_password != data.new_password_confirm:
            raise FieldErrors({"new_password_confirm": ["Passwords do not match."]})
        now = _now()
        pending = await self.session.scalar(
            select(m.PasswordResetToken).where(
                m.PasswordResetToken.token_hash == _hash_token(data.token),
                m.PasswordResetToken.used_at.is_(None),
                m.PasswordResetToken.expires_at > now,
            )
        )
        user = await self.session.get(m.User, pending.user_id) if pending else None
        if pending is None or user is None or not user.is_active:
            raise FieldErrors({"token": ["Invalid token"]})
        problems = password_problems(data.new_password, personal=(user.username, user.email))
        if problems:
            raise FieldErrors({"new_password": problems})
        # Spend the token with a conditional update so two concurrent confirmations cannot both succeed.
        spent = await self.session.execute(
            update(m.PasswordResetToken)
            .where(m.PasswordResetToken.id == pending.id, m.PasswordResetToken.used_at.is_(None))
            .values(used_at=now)
        )
        if getattr(spent, "rowcount", 0) != 1:
            await self.session.rollback()
            raise FieldErrors({"token": ["Invalid token"]})
        user.password_hash = await hash_password(data.new_password)
        user.tokens_valid_after = now
        await self.session.commit()

    # --- profile ------------------------------------------------------------------------------------------------

    async def update_user(self, actor: m.User, user_id: int, data: s.UserUpdate) -> m.User:
        """Apply the fields sent; only on yourself unless staff.

        Raises:
            NotFound: the user is not visible to the actor.
            FieldErrors: invalid or duplicate email or username.
        """
        user = await self.get_visible_user(actor, user_id)
        changes: dict[str, Any] = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        errors: dict[str, list[str]] = {}
        if "email" in changes:
            email = normalize_email(changes["email"])
            if not _EMAIL.match(email):
                errors["email"] = ["Enter a valid email address."]
            elif await self._email_taken(email, exclude_id=user.id):
                errors["email"] = ["A user with that email already exists."]
            changes["email"] = email
        if "username" in changes:
            username = changes["username"].strip()
            if not _USERNAME.match(username):
                errors["username"] = ["Enter a valid username: letters, digits and @/./+/-/_ only."]
            elif await self._username_taken(username, exclude_id=user.id):
                errors["username"] = ["A user with that username already exists."]
            changes["username"] = username
        if errors:
            raise FieldErrors(errors)
        for key, value in changes.items():
            # null clears a text field to "" (the columns are not nullable) and preferences to {}.
            cleared = {} if key == "notification_preferences" else ""
            setattr(user, key, cleared if value is None and key != "avatar_url" else value)
        try:
            await self.session.commit()
        except IntegrityError:
            await self.session.rollback()
            raise FieldErrors({"email": ["A user with that email or username already exists."]}) from None
        return user
