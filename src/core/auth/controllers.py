"""``/api/v1/auth/...``: thin handlers over :class:`AccountService`."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, patch, post
from litestar.di import Provide
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from core.auth import schemas as s
from core.auth.deps import client_ip, provide_account_service
from core.auth.presenters import user_detail
from core.auth.services import AccountService
from core.http.params import CurrentUser, FromPath, JSONBody, NamedDependency

__all__ = ("AuthController",)

_PUBLIC = {"exclude_from_auth": True}
Accounts = NamedDependency[AccountService]
_RESET_SENT = "If an account exists for this email, a password reset link has been sent."


class AuthController(Controller):
    """Registration, login, tokens, password reset and the signed-in user's profile."""

    path = "/api/v1/auth"
    tags = ["auth"]
    dependencies = {"accounts": Provide(provide_account_service)}

    @post("/register", status_code=HTTP_201_CREATED, opt=_PUBLIC, operation_id="Register")
    async def register(self, data: JSONBody[s.Register], accounts: Accounts) -> s.User:
        """Create an account (it does not sign in: the client logs in next)."""
        return user_detail(await accounts.register(data))

    @post("/login", status_code=HTTP_200_OK, opt=_PUBLIC, operation_id="Login")
    async def login(
        self, data: JSONBody[s.Login], accounts: Accounts, request: Request[Any, Any, Any]
    ) -> s.LoginResponse:
        """Exchange email and password for an access token, a refresh token and the user."""
        access, refresh, user = await accounts.login(data.email, data.password, client_ip(request))
        return s.LoginResponse(access=access, refresh=refresh, user=user_detail(user))

    @post("/token/refresh", status_code=HTTP_200_OK, opt=_PUBLIC, operation_id="RefreshToken")
    async def refresh(self, data: JSONBody[s.TokenRefresh], accounts: Accounts) -> s.TokenPair:
        """Rotate a refresh token: the one sent is spent, a new pair comes back."""
        access, refresh = await accounts.refresh(data.refresh)
        return s.TokenPair(access=access, refresh=refresh)

    @post("/logout", status_code=HTTP_200_OK, operation_id="Logout")
    async def logout(
        self,
        accounts: Accounts,
        current_user: CurrentUser,
        request: Request[Any, Any, Any],
        data: JSONBody[s.Logout | None] = None,
    ) -> s.Message:
        """Revoke the access token in use and the refresh token sent."""
        await accounts.logout(current_user, request.auth, data.refresh if data else None)
        return s.Message(message="Logged out successfully")

    @post("/password-reset-request", status_code=HTTP_200_OK, opt=_PUBLIC, operation_id="RequestPasswordReset")
    async def password_reset_request(
        self, data: JSONBody[s.PasswordResetRequest], accounts: Accounts, request: Request[Any, Any, Any]
    ) -> s.Message:
        """Send a reset link if the account exists; the answer is the same either way."""
        await accounts.request_password_reset(data.email, client_ip(request))
        return s.Message(message=_RESET_SENT)

    @post("/password-reset-confirm", status_code=HTTP_200_OK, opt=_PUBLIC, operation_id="ConfirmPasswordReset")
    async def password_reset_confirm(self, data: JSONBody[s.PasswordResetConfirm], accounts: Accounts) -> s.Message:
        """Set a new password with a reset token (single use)."""
        await accounts.confirm_password_reset(data)
        return s.Message(message="Password reset successful")

    @get("/me", operation_id="GetCurrentUser")
    async def me(self, current_user: CurrentUser) -> s.User:
        """The signed-in user."""
        return user_detail(current_user)

    @get("/users/me", operation_id="GetCurrentUserAlias", include_in_schema=False)
    async def users_me(self, current_user: CurrentUser) -> s.User:
        """The signed-in user (the original's path)."""
        return user_detail(current_user)

    @get("/users/{user_id:int}", operation_id="GetUser")
    async def get_user(self, user_id: FromPath[int], accounts: Accounts, current_user: CurrentUser) -> s.User:
        """A user: yourself, or anyone for staff."""
        return user_detail(await accounts.get_visible_user(current_user, user_id))

    @patch("/users/{user_id:int}", operation_id="UpdateUser")
    async def update_user(
        self, user_id: FromPath[int], data: JSONBody[s.UserUpdate], accounts: Accounts, current_user: CurrentUser
    ) -> s.User:
        """Edit account and profile fields (sent flat); only yourself unless staff."""
        return user_detail(await accounts.update_user(current_user, user_id, data))
