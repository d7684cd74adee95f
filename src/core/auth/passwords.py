"""Password hashing (argon2id) and the strength rules a new password must pass."""

from __future__ import annotations

import string
from difflib import SequenceMatcher

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ("MAX_PASSWORD_LENGTH", "hash_password", "needs_rehash", "password_problems", "verify_password")

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
# OWASP's recommended argon2id profile (19 MiB, 2 passes, 1 lane): about 20 ms a hash on one core.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# A dummy hash so that a login for an unknown email costs the same time as one for a known email.
_DUMMY_HASH = _hasher.hash("timing-equaliser")

# The most common passwords in public breach corpora (a short list: the long tail is the length rule's job).
_COMMON = frozenset(
    [
        "123456",
        "123456789",
        "12345678",
        "password",
        "qwerty123",
        "qwerty",
        "1q2w3e4r",
        "111111",
        "12345",
        "1234567",
        "123123",
        "1234567890",
        "000000",
        "abc123",
        "password1",
        "iloveyou",
        "1234",
        "qwertyuiop",
        "123321",
        "654321",
        "666666",
        "987654321",
        "password123",
        "admin",
        "welcome",
        "welcome1",
        "letmein",
        "monkey",
        "dragon",
        "football",
        "baseball",
        "sunshine",
        "princess",
        "master",
        "shadow",
        "superman",
        "trustno1",
        "passw0rd",
        "p@ssw0rd",
        "p@ssword",
        "qazwsx",
        "zaq12wsx",
        "1qaz2wsx",
        "asdfghjk",
        "asdfasdf",
        "changeme",
        "secret",
        "administrator",
        "starwars",
        "whatever",
        "computer",
        "internet",
        "michael",
        "jennifer",
        "charlie",
        "freedom",
        "ninja",
        "mustang",
        "access",
        "flower",
        "hello123",
        "loveme",
        "batman",
        "azerty",
        "11111111",
        "88888888",
        "00000000",
        "12341234",
        "abcd1234",
        "aa123456",
        "qwe123",
        "q1w2e3r4",
        "q1w2e3r4t5",
        "1q2w3e4r5t",
        "asdf1234",
        "zxcvbnm",
        "zxcvbnm1",
        "11223344",
        "147258369",
        "987654321",
    ]
)


def password_problems(password: str, *, personal: tuple[str, ...] = ()) -> list[str]:
    """Every rule ``password`` breaks, as messages for the user (empty when it is acceptable)."""
    problems: list[str] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"This password is too short. It must contain at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"This password is too long. It may contain at most {MAX_PASSWORD_LENGTH} characters.")
    if password and all(ch in string.digits for ch in password):
        problems.append("This password is entirely numeric.")
    if password.lower() in _COMMON:
        problems.append("This password is too common.")
    lowered = password.lower()
    for raw in personal:
        value = (raw or "").lower()
        parts = {value, *value.replace("@", " ").replace(".", " ").replace("_", " ").split()}
        if any(
            len(part) >= 3 and (part in lowered or SequenceMatcher(a=lowered, b=part).quick_ratio() >= 0.7)
            for part in parts
        ):
            problems.append("The password is too similar to your personal information.")
            break
    return problems


async def hash_password(password: str) -> str:
    """An argon2id hash of ``password``, computed off the event loop."""
    return await anyio.to_thread.run_sync(_hasher.hash, password)


def _verify(hashed: str | None, password: str) -> bool:
    try:
        return _hasher.verify(hashed or _DUMMY_HASH, password) and hashed is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(hashed: str) -> bool:
    """True when ``hashed`` was made with other parameters than the current profile."""
    try:
        return _hasher.check_needs_rehash(hashed)
    except InvalidHashError:
        return True


async def verify_password(hashed: str | None, password: str) -> bool:
    """True when ``password`` matches ``hashed``; a missing hash costs the same time and is False."""
    return await anyio.to_thread.run_sync(_verify, hashed, password)
