"""Local folders and object stores behind one path type: the only module that knows which is which.

Local paths (and ``file://`` URIs) stay ``pathlib.Path``: renames are atomic and symlinks can be
checked. Other URIs (``s3://…``) become ``upath.UPath`` over fsspec; Airflow passes its
``ObjectStoragePath`` (a UPath bound to a connection), so the package needs no Airflow to read or
write a lake. Every caller goes through the functions here (walks, atomic writes, Parquet reads and
writes, folder replacement); none branches on the kind of store itself.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq

# A place in a store: a ``pathlib.Path`` for local folders, a ``upath.UPath`` for object stores (Airflow's
# ``ObjectStoragePath`` is one). Typed Any: UPath ships no type information; both answer the same path API.
StorePath: TypeAlias = Any


def _is_local(path: StorePath) -> bool:
    return isinstance(path, Path)


def to_path(location: Any, storage_options: dict[str, Any] | None = None) -> StorePath:
    """A ``Path`` for local locations, a ``UPath`` for object-store URIs; path objects pass through."""
    if not isinstance(location, (str, os.PathLike)) or (hasattr(location, "fs") and not isinstance(location, Path)):
        return location  # already a UPath / ObjectStoragePath
    text = os.fspath(location)
    scheme = urlsplit(text).scheme
    if scheme in ("", "file") or (len(scheme) == 1 and os.name == "nt"):
        local = urlsplit(text).path if scheme == "file" else text
        return Path(local).expanduser().resolve()
    from upath import UPath

    return UPath(text, **(storage_options or {}))


def display(path: StorePath) -> str:
    return str(path) if _is_local(path) else path.as_uri() if hasattr(path, "as_uri") else str(path)


def known_missing(folder: StorePath) -> bool:
    """True when ``folder`` is a local path that is not a folder. Object stores are not asked here (that
    needs credentials and a round trip); the run's first step checks them."""
    return _is_local(folder) and not folder.is_dir()


# -- walking and reading landing files ------------------------------------------------------------------------

def walk_files(root: StorePath) -> list[tuple[str, StorePath]]:
    """(relative path, path) of every file below ``root``, sorted, hidden files and folders excepted.

    Local: an iterative walk that lists symlinks without following them (``resolve_inside`` judges
    them on read) and keeps undecodable name bytes visible as ``\\xNN``.
    """
    if not _is_local(root):
        base = root.path.rstrip("/")
        found = [(rel, root / rel) for rel in (key[len(base):].lstrip("/") for key in root.fs.find(base))
                 if rel and not any(part.startswith(".") for part in rel.split("/"))]
        return sorted(found, key=lambda item: item[0])
    root = root.resolve()
    found = []
    stack = [root]
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif entry.is_symlink() or _is_file(entry):
                    found.append((shown_name(os.path.relpath(entry.path, root)), Path(entry.path)))
    return sorted(found, key=lambda item: item[0])


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file(follow_symlinks=False)
    except OSError:  # vanished or unreadable entry: not a file we can list
        return False


def shown_name(rel: str) -> str:
    """File names are bytes on POSIX: keep undecodable ones visible, not lost."""
    return os.fsencode(rel).decode("utf-8", "backslashreplace")


def file_key(root: StorePath, path: StorePath, rel: str) -> str:
    """A lossless, JSON-safe key for a file below ``root`` (its name bytes in hex)."""
    if not _is_local(root):
        return rel.encode("utf-8").hex()  # object keys are UTF-8 already
    return os.fsencode(os.path.relpath(path, root)).hex()


def from_file_key(root: StorePath, key: str) -> tuple[str, StorePath]:
    rel = os.fsdecode(bytes.fromhex(key))
    return shown_name(rel), root / rel


def resolve_inside(root: StorePath, path: StorePath) -> tuple[StorePath | None, str, str]:
    """(readable path, reject code, detail): refuse what resolves outside ``root`` or is not a regular
    file (a FIFO or device behind a symlink would block or never end). Object keys are always inside."""
    if not _is_local(root):
        return path, "", ""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        return None, "unreadable", f"cannot resolve path: {exc}"
    if not real.is_relative_to(root.resolve()):
        return None, "outside_landing_root", "symlink points outside the landing folder; not read"
    try:
        regular = stat.S_ISREG(real.stat().st_mode)
    except OSError as exc:
        return None, "unreadable", f"cannot stat: {exc}"
    if not regular:
        return None, "unreadable", "not a regular file"
    return real, "", ""


def size_and_hash(path: StorePath, max_bytes: int) -> tuple[int, str, bytes | None]:
    """(size, sha256, bytes read or None). Local files are hashed streaming and read later only when
    needed; object-store files are fetched once (one GET) when not over ``max_bytes`` and hashed as read
    (over the cap: not fetched, hash empty)."""
    size = path.stat().st_size
    if _is_local(path):
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        return size, digest.hexdigest(), None
    data = path.read_bytes() if size <= max_bytes else b""
    return size, hashlib.sha256(data).hexdigest() if data or size == 0 else "", data


def inside(root: StorePath, relative: str) -> StorePath | None:
    """``root / relative`` when that stays inside ``root`` (a request's path, say), else None. Local: judged
    on the resolved path (symlinks included); object stores: on the key (no ``..`` above the root)."""
    if _is_local(root):
        base = Path(root).resolve()
        target = (base / relative).resolve()
        return target if target.is_relative_to(base) else None
    clean = posixpath.normpath("/" + relative).lstrip("/")
    return root / clean if clean and clean != "." else root


def iter_bytes(path: StorePath, chunk: int = 1 << 20) -> Iterator[bytes]:
    """A file's bytes, a chunk at a time (a partition is served without holding it in memory)."""
    with path.open("rb") as handle:
        yield from iter(lambda: handle.read(chunk), b"")


# -- writing ----------------------------------------------------------------------------------------------------

def rmtree(path: StorePath) -> None:
    if _is_local(path):
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        path.fs.rm(path.path, recursive=True)


def remove_if_empty(folder: StorePath) -> None:
    """Remove a local folder when nothing is left in it (object stores have no empty folders)."""
    if _is_local(folder):
        with suppress(OSError):
            folder.rmdir()


def move(source: StorePath, target: StorePath) -> None:
    """Move one file (local: a rename; object stores: copy, then delete)."""
    _make_parent(target)
    if _is_local(source) and _is_local(target):
        os.replace(source, target)
        return
    copy_file(source, target)
    source.unlink()


def copy_file(source: StorePath, target: StorePath) -> None:
    if _is_local(source) and _is_local(target):
        shutil.copyfile(source, target)
        return
    with source.open("rb") as reader, target.open("wb") as writer:
        shutil.copyfileobj(reader, writer, 1 << 20)


@contextmanager
def _atomic_target(path: StorePath) -> Iterator[StorePath]:
    """Yield where to write ``path``'s new content. Local: a hidden temp name renamed over ``path`` once
    the block succeeds. Object stores: ``path`` itself, since one PUT is atomic per object."""
    if not _is_local(path):
        yield path
        return
    _make_parent(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def remove_unfinished(folder: StorePath) -> list[str]:
    """Delete the temp files that atomic writes into ``folder`` left when their process died before the
    rename (local only: on object stores a write is one PUT and leaves nothing). Returns their names."""
    if not _is_local(folder) or not Path(folder).is_dir():
        return []
    found = sorted(p for p in Path(folder).glob(".*.tmp") if p.is_file())
    for path in found:
        path.unlink(missing_ok=True)
    return [p.name for p in found]


def _make_parent(path: StorePath) -> None:
    """A local file's folder. Object stores have no folders: a key's prefix exists once an object is under
    it, and fsspec's mkdir there costs a request (a bucket check) per write for nothing."""
    if _is_local(path):
        path.parent.mkdir(parents=True, exist_ok=True)


def read_bytes(path: StorePath) -> bytes:
    """A whole (small) file: on object stores one GET, without the size request an open makes first;
    FileNotFoundError when it is missing, as for a local file."""
    if _is_local(path):
        return Path(path).read_bytes()
    return bytes(path.fs.cat_file(path.path))


def read_text(path: StorePath) -> str:
    return read_bytes(path).decode("utf-8")


def write_text_atomic(path: StorePath, text: str) -> None:
    with _atomic_target(path) as target:
        target.write_text(text, encoding="utf-8")


def upload_tree(local: Path, target: StorePath) -> None:
    """Copy a local folder's files under ``target`` (a no-op when target is that folder)."""
    if _is_local(target) and Path(target).resolve() == local.resolve():
        return
    for file in sorted(p for p in local.rglob("*") if p.is_file()):
        destination = target / file.relative_to(local).as_posix()
        _make_parent(destination)
        copy_file(file, destination)


@contextmanager
def local_folder(folder: StorePath, *, download: bool = False) -> Iterator[Path]:
    """``with local_folder(folder) as path``: a local folder standing for ``folder``, for tools that only
    write local files (GX Data Docs, report renderers). Local folders are used in place; for object
    stores a scratch folder (filled with ``folder``'s files when ``download``) is uploaded afterwards."""
    if _is_local(folder):
        folder.mkdir(parents=True, exist_ok=True)
        yield folder
        return
    with tempfile.TemporaryDirectory(prefix="newsflow-local-") as name:
        scratch = Path(name)
        if download and folder.exists():
            base = folder.path.rstrip("/")
            for key in folder.fs.find(base):
                target = scratch / key[len(base):].lstrip("/")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(folder.fs.cat_file(key))
        yield scratch
        upload_tree(scratch, folder)


# -- Delta tables -------------------------------------------------------------------------------------------------

def delta_location(path: StorePath) -> tuple[str, dict[str, str] | None]:
    """(table URI, storage options) for delta-rs, which has its own object-store client: the options are
    the fsspec filesystem's credentials and endpoint, translated to delta-rs's keys."""
    if _is_local(path):
        return str(path), None
    fs = path.fs
    options = dict(getattr(fs, "storage_options", None) or {})
    client = options.get("client_kwargs") or {}
    key, secret, token = (options.get("key") or options.get("aws_access_key_id"),
                          options.get("secret") or options.get("aws_secret_access_key"),
                          options.get("token") or options.get("aws_session_token"))
    if not key and getattr(fs, "session", None) is not None:
        key, secret, token = _session_credentials(fs.session)  # an Airflow connection's botocore session
    given: dict[str, str | None] = {
        "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret, "AWS_SESSION_TOKEN": token,
        "AWS_ENDPOINT_URL": options.get("endpoint_url") or client.get("endpoint_url")
        or getattr(fs, "endpoint_url", None),
        "AWS_REGION": client.get("region_name") or options.get("region_name") or "us-east-1",
    }
    translated = {k: str(v) for k, v in given.items() if v}
    if translated.get("AWS_ENDPOINT_URL", "").startswith("http://"):
        translated["AWS_ALLOW_HTTP"] = "true"
    # S3 has no atomic rename: commits use conditional PUT (If-None-Match), which S3 honours atomically,
    # so concurrent writers cannot both win a version. moto (the tests' store) honours it but checks then
    # writes without a lock (tests/storage/test_concurrent_commits_s3.py); a store without it needs a lock.
    translated["conditional_put"] = "etag"
    return f"{path.protocol}://{path.path}", translated


def _session_credentials(session: Any) -> tuple[str | None, str | None, str | None]:
    """(key, secret, token) of an (aio)botocore session, as s3fs holds it for an Airflow connection."""
    import asyncio
    import inspect

    async def settle(value: Any) -> Any:
        return await value

    def wait(value: Any) -> Any:
        return asyncio.run(settle(value)) if inspect.isawaitable(value) else value

    credentials = wait(session.get_credentials())
    if credentials is None:
        return None, None, None
    frozen = wait(credentials.get_frozen_credentials())
    return frozen.access_key, frozen.secret_key, frozen.token


# -- Parquet ------------------------------------------------------------------------------------------------------

def _arrow_source(path: StorePath) -> tuple[str, Any]:
    """(path, filesystem) arguments for pyarrow readers and writers."""
    if _is_local(path):
        return str(path), None
    from pyarrow.fs import FSSpecHandler, PyFileSystem

    return path.path, PyFileSystem(FSSpecHandler(path.fs))


@contextmanager
def _parquet_input(path: StorePath) -> Iterator[Any]:
    """What pyarrow's Parquet readers read: a local path, or an object store's file opened by fsspec (one
    size request, then range reads), closed afterwards. Not pyarrow's wrapper around the filesystem: it asks
    whether the key is a file and for its size before opening it, and the open asks again."""
    if _is_local(path):
        yield str(path)
        return
    with path.fs.open(path.path, "rb") as source:
        yield source


def read_table(path: StorePath, columns: list[str] | None = None) -> pa.Table:
    """A Parquet file as an Arrow table (``columns`` that the file lacks are an error)."""
    import pyarrow.parquet as pq

    with _parquet_input(path) as source:
        return pq.read_table(source, columns=columns)


def read_schema(path: StorePath) -> pa.Schema:
    import pyarrow.parquet as pq

    with _parquet_input(path) as source:
        return pq.read_schema(source)


def parquet_file(path: StorePath) -> pq.ParquetFile:
    """A ``pyarrow.parquet.ParquetFile`` (row groups, metadata) for streaming reads (an object store's file
    stays open while the reader lives, and closes with it)."""
    import pyarrow.parquet as pq

    if _is_local(path):
        return pq.ParquetFile(str(path))
    return pq.ParquetFile(path.fs.open(path.path, "rb"))


@contextmanager
def parquet_writer(path: StorePath, schema: pa.Schema, **options: Any) -> Iterator[pq.ParquetWriter]:
    """A ``pyarrow.parquet.ParquetWriter`` whose file appears only when the block succeeds."""
    import pyarrow.parquet as pq

    with _atomic_target(path) as target:
        where, filesystem = _arrow_source(target)
        with pq.ParquetWriter(where, schema, filesystem=filesystem, **options) as writer:
            yield writer
