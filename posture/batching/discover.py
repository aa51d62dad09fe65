"""Which files of a folder are photos to analyse, and which are listed as failures (unreadable, links, not photos)."""

from __future__ import annotations

import collections
import errno
import hashlib
import os
import stat
from dataclasses import dataclass
from typing import Any

from posture.batching.tables import (
    ANNOTATED_DIR,
    FAILURES_CSV,
    RESULTS_CSV,
    RESULTS_JSONL,
    SUMMARY_JSON,
    failure_record,
)
from posture.core.paths import path_text
from posture.errors import InputError

PHOTO_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".png", ".webp", ".heic", ".heif", ".mp4", ".mov", ".m4v"})
"""File name endings (any case) taken as photos, or as video clips of standing (read by their content, docs/video.md);
other files are reported as skipped."""
_HASH_CHUNK = 1 << 20

OUTPUT_NAMES = frozenset({RESULTS_CSV, RESULTS_JSONL, FAILURES_CSV, SUMMARY_JSON, ANNOTATED_DIR})
"""What a run writes into its output folder; never read as input when that folder is the photo folder."""

Identity = tuple[int, int]
"""A file's (device, inode): the same folder under any path."""

_LOOP = "The symbolic link leads back to a folder already searched (a loop); it was not followed again."


# --------------------------------------------------------------------------- discovery


@dataclass(frozen=True, slots=True)
class Found:
    """What a folder holds.

    Attributes:
        photos: the photos' paths (the folder as given joined with the path below it), sorted.
        failures: failure records for what cannot be a photo (skipped files, loops, folders named like photos).
        folders_not_searched: subfolders left out because the search was not recursive.
    """

    photos: tuple[str, ...]
    failures: tuple[dict[str, Any], ...]
    folders_not_searched: int = 0


def discover(folder: str | os.PathLike[str], *, recursive: bool = False,
             exclude: str | os.PathLike[str] | None = None) -> Found:
    """List the photos in ``folder`` (by name ending, any case; see :data:`PHOTO_SUFFIXES`).

    Names starting with a dot are ignored (system files such as ``.DS_Store``),
    and so is what a run writes into ``exclude`` (the output folder): all of it
    when it lies inside ``folder``, its tables and annotated pictures when it is
    ``folder`` itself. Symbolic links are followed. Each folder is searched
    once, under its real path when it has one below ``folder`` (links to it are
    skipped as duplicates); a link to a folder that holds it is a loop, and
    link loops and broken links are failures. Without ``recursive``, a
    subfolder whose name ends like a photo (``x.jpg/``) is a failure and other
    subfolders are counted.

    Raises:
        InputError: ``folder`` does not exist or is not a folder.
    """
    root = os.fspath(folder)
    try:
        info = os.stat(root)
    except OSError as error:
        raise InputError(f"The folder {path_text(root)!r} cannot be read ({error.strerror or error}).") from None
    if not stat.S_ISDIR(info.st_mode):
        raise InputError(f"{path_text(root)!r} is not a folder; give a folder of photos "
                         "(for one photo use posture analyze).")
    excluded = _identity(exclude) if exclude is not None else None
    root_identity = (info.st_dev, info.st_ino)
    visited = {root_identity}
    photos: list[str] = []
    failures: list[dict[str, Any]] = []
    not_searched = 0
    # Each folder with the identities of the folders that hold it, to tell a loop from a duplicate.
    stack: list[tuple[str, tuple[Identity, ...]]] = [(root, (root_identity,))]
    # Linked folders wait until every real folder is searched, so a folder is listed under its real path
    # even when a link to it sorts before it.
    links: collections.deque[tuple[str, Identity, tuple[Identity, ...]]] = collections.deque()
    while stack or links:
        if not stack:
            path, identity, holders = links.popleft()
            if identity in holders:
                failures.append(failure_record(path, "input", _LOOP))
            elif identity in visited:
                failures.append(failure_record(path, "skipped", "The symbolic link leads to a folder searched "
                                               "under another path; it was not followed again."))
            else:
                visited.add(identity)
                stack.append((path, (*holders, identity)))
            continue
        directory, holders = stack.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            failures.append(failure_record(directory, "input", f"The folder cannot be read ({error.strerror or error})."))
            continue
        in_output_folder = holders[-1] == excluded
        subfolders = []
        for entry in entries:
            if entry.name.startswith(".") or (in_output_folder and entry.name in OUTPUT_NAMES):
                continue
            path = entry.path
            suffix = os.path.splitext(entry.name)[1].lower()
            try:
                target = os.stat(path)
            except OSError as error:
                if error.errno == errno.ELOOP:
                    failures.append(failure_record(path, "input", "The symbolic link is a loop: it never reaches a file."))
                elif entry.is_symlink():
                    failures.append(failure_record(path, "input", "The symbolic link is broken: its target does not exist."))
                else:
                    failures.append(failure_record(path, "input", f"It cannot be read ({error.strerror or error})."))
                continue
            identity = (target.st_dev, target.st_ino)
            if stat.S_ISDIR(target.st_mode):
                if excluded is not None and identity == excluded:
                    continue
                if not recursive:
                    if suffix in PHOTO_SUFFIXES:
                        failures.append(failure_record(path, "input", "It is a folder, not a photo."))
                    else:
                        not_searched += 1
                elif entry.is_symlink():
                    links.append((path, identity, holders))
                elif identity in visited:
                    failures.append(failure_record(path, "input", _LOOP))
                else:
                    visited.add(identity)
                    subfolders.append((path, (*holders, identity)))
            elif suffix in PHOTO_SUFFIXES:
                photos.append(path)
            else:
                shown = path_text(suffix) or "no ending"
                failures.append(failure_record(path, "skipped", f"Not a photo by its name ({shown}); posture reads "
                                         ".jpg, .jpeg, .png, .webp, .heic and .heif files."))
        stack.extend(reversed(subfolders))
    photos.sort()
    return Found(photos=tuple(photos), failures=tuple(failures), folders_not_searched=not_searched)


def _identity(path: str | os.PathLike[str]) -> Identity | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def file_sha256(path: str) -> str | None:
    """sha256 of a regular file's bytes (as in the row's ``input_sha256``), or None when it cannot be read."""
    try:
        with open(path, "rb") as stream:
            if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                return None
            digest = hashlib.sha256()
            while chunk := stream.read(_HASH_CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()
