"""Local folders and object stores behind one path type.

Local paths (and ``file://`` URIs) stay ``pathlib.Path``: renames are atomic
and symlinks can be checked. Other URIs (``s3://…``) become ``upath.UPath``
over fsspec; Airflow passes its ``ObjectStoragePath`` (a UPath bound to a
connection), so the package needs no Airflow to read or write a lake.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit


def is_local(path) -> bool:
    return isinstance(path, Path)


def to_path(location, storage_options: dict | None = None):
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


def display(path) -> str:
    return str(path) if is_local(path) else path.as_uri() if hasattr(path, "as_uri") else str(path)


def rmtree(path) -> None:
    if is_local(path):
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        path.fs.rm(path.path, recursive=True)


def arrow_source(path):
    """(path, filesystem) arguments for pyarrow readers and writers."""
    if is_local(path):
        return str(path), None
    from pyarrow.fs import FSSpecHandler, PyFileSystem

    return path.path, PyFileSystem(FSSpecHandler(path.fs))


def copy_file(source, target) -> None:
    if is_local(source) and is_local(target):
        shutil.copyfile(source, target)
        return
    with source.open("rb") as reader, target.open("wb") as writer:
        shutil.copyfileobj(reader, writer, 1 << 20)


def write_text_atomic(path, text: str) -> None:
    """Local: temp file + rename. Object stores: one PUT, which is atomic per object."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if is_local(path):
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    else:
        path.write_text(text, encoding="utf-8")


def upload_tree(local: Path, target) -> None:
    """Copy a local folder's files under ``target`` (a no-op when target is that folder)."""
    if is_local(target) and Path(target).resolve() == local.resolve():
        return
    for file in sorted(p for p in local.rglob("*") if p.is_file()):
        destination = target / file.relative_to(local).as_posix()
        destination.parent.mkdir(parents=True, exist_ok=True)
        copy_file(file, destination)


class local_copy:
    """``with local_copy(folder) as path``: work on a local folder, synced back to ``folder`` afterwards.

    For tools that only write local files (GX Data Docs, report renderers); a local
    folder is used in place.
    """

    def __init__(self, folder) -> None:
        self.folder = folder
        self._scratch = None

    def __enter__(self) -> Path:
        if is_local(self.folder):
            self.folder.mkdir(parents=True, exist_ok=True)
            return self.folder
        import tempfile

        self._scratch = tempfile.TemporaryDirectory(prefix="newsflow-local-")
        scratch = Path(self._scratch.name)
        if self.folder.exists():
            base = self.folder.path.rstrip("/")
            for key in self.folder.fs.find(base):
                target = scratch / key[len(base):].lstrip("/")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(self.folder.fs.cat_file(key))
        return scratch

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._scratch is None:
            return
        try:
            if exc_type is None:
                upload_tree(Path(self._scratch.name), self.folder)
        finally:
            self._scratch.cleanup()
