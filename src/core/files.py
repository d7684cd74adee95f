"""Private file storage (issue attachments): a local directory by default, S3 (boto3) when configured.

Files here are never served directly; they are read back through an endpoint that checks access first.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import anyio.to_thread

if TYPE_CHECKING:
    from core.settings import Settings

__all__ = ("FileStore", "LocalFileStore", "S3FileStore", "build_file_store")


class FileStore(Protocol):
    """Where attachment bytes live, by key."""

    name: str

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store ``data`` under ``key``."""
        ...

    async def get(self, key: str) -> bytes:
        """The bytes under ``key``."""
        ...

    async def delete(self, key: str) -> None:
        """Forget ``key`` (missing keys are fine)."""
        ...


class LocalFileStore:
    """Files under a private directory (not under ``/media``)."""

    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            msg = f"unsafe storage key {key!r}"
            raise ValueError(msg)
        return path

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Write the file (in a thread: uploads may be large)."""
        path = self._path(key)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

        await anyio.to_thread.run_sync(write)

    async def get(self, key: str) -> bytes:
        """Read the file."""
        return await anyio.to_thread.run_sync(self._path(key).read_bytes)

    async def delete(self, key: str) -> None:
        """Remove the file if it is there."""
        await anyio.to_thread.run_sync(lambda: self._path(key).unlink(missing_ok=True))


class S3FileStore:
    """Objects in an S3 bucket (AWS or any S3-compatible server), credentials from boto3's usual chain."""

    name = "s3"

    def __init__(self, bucket: str, prefix: str = "", client: Any = None, **client_options: Any) -> None:
        if client is None:
            import boto3

            client = boto3.client("s3", **{k: v for k, v in client_options.items() if v})
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Upload the object."""
        await anyio.to_thread.run_sync(
            lambda: self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type)
        )

    async def get(self, key: str) -> bytes:
        """Download the object."""

        def read() -> bytes:
            body: bytes = self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
            return body

        return await anyio.to_thread.run_sync(read)

    async def delete(self, key: str) -> None:
        """Delete the object."""
        await anyio.to_thread.run_sync(lambda: self.client.delete_object(Bucket=self.bucket, Key=self._key(key)))


def build_file_store(settings: Settings) -> FileStore:
    """S3 when ``S3_BUCKET`` is set, otherwise ``<SCRUM_VAR_DIR>/private``."""
    if settings.s3_bucket:
        return S3FileStore(
            settings.s3_bucket,
            settings.s3_prefix,
            endpoint_url=settings.s3_endpoint_url,
            region_name=settings.s3_region,
        )
    return LocalFileStore(settings.var_dir / "private")
