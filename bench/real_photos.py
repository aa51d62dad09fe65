"""Rebuild the real-photo benchmark's photos from local mirrors of their public repositories.

Each photo of ``bench/real/sets/*.toml`` names its repository, commit, path and git blob id (and, for a frame
of a video, the frame's index). A photo whose licence lets the project carry it is committed under
``bench/real/photos/``; every other one is written to ``bench/real/cache/`` (ignored by git) from the mirror
``/work/.mirror/<owner>+<name>/repo`` (made by the tool library's ``fetch``), and checked against its sha256.
An entry with ``shared = "name"`` instead of a repository is a photo of ``../shared/photos``.

    python bench/real_photos.py            # rebuild what is missing, say what cannot be
    python bench/real_photos.py --check    # only say which photos are present
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent / "real"
SETS = HERE / "sets"
COMMITTED = HERE / "photos"
CACHE = HERE / "cache"
MIRRORS = Path("/work/.mirror")
SHARED_PHOTOS = Path(__file__).resolve().parents[2] / "shared" / "photos"
"""The project's test photos beside the checkout (``../shared/photos``): a set entry with ``shared = "name"``."""


@dataclass(frozen=True)
class RealPhoto:
    """One entry of a set: where the photo comes from, and what a person sees in it."""

    file: str
    entry: dict

    @property
    def path(self) -> Path:
        if "shared" in self.entry:
            return SHARED_PHOTOS / self.entry["shared"]
        committed = COMMITTED / self.file
        return committed if committed.exists() else CACHE / self.file


def load_sets() -> list[RealPhoto]:
    photos = []
    for set_file in sorted(SETS.glob("*.toml")):
        for entry in tomllib.loads(set_file.read_text(encoding="utf-8")).get("photo", []):
            photos.append(RealPhoto(entry["file"], {**entry, "set": set_file.stem}))
    names = [p.file for p in photos]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SystemExit(f"photo names used twice: {', '.join(duplicates)}")
    return photos


def _blob(mirror: Path, commit: str, path: str) -> bytes:
    return subprocess.run(["git", f"--git-dir={mirror}", "show", f"{commit}:{path}"], check=True,
                          capture_output=True).stdout


def _frame(video: bytes, index: int) -> bytes:
    import cv2

    with tempfile.NamedTemporaryFile(suffix=".mp4") as handle:
        handle.write(video)
        handle.flush()
        capture = cv2.VideoCapture(handle.name)
        capture.set(cv2.CAP_PROP_POS_FRAMES, index)
        ok, frame = capture.read()
        capture.release()
    if not ok:
        raise RuntimeError(f"frame {index} cannot be read")
    ok, encoded = cv2.imencode(".png", frame)
    return encoded.tobytes()


def rebuild(photo: RealPhoto) -> str | None:
    """Write the photo into the cache from its mirror; None when done, else why not."""
    if photo.path.exists():
        return None
    if "shared" in photo.entry:
        return f"not in {SHARED_PHOTOS}"
    entry = photo.entry
    owner, name = entry["repo"].split("/")
    mirror = MIRRORS / f"{owner}+{name}" / "repo"
    if not mirror.exists():
        return f"no mirror of {entry['repo']} at {mirror}"
    try:
        data = _blob(mirror, entry["commit"], entry["path"])
        if "frame" in entry:
            data = _frame(data, int(entry["frame"]))
    except (subprocess.CalledProcessError, RuntimeError) as error:
        return f"{entry['repo']}:{entry['path']} cannot be read ({error})"
    digest = hashlib.sha256(data).hexdigest()
    if entry.get("sha256") and digest != entry["sha256"]:
        return f"sha256 {digest[:12]}… differs from the set's {entry['sha256'][:12]}…"
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = CACHE / f".{photo.file}.part"
    partial.write_bytes(data)
    partial.replace(CACHE / photo.file)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report which photos are present")
    args = parser.parse_args()
    photos = load_sets()
    missing = 0
    for photo in photos:
        problem = "absent" if args.check and not photo.path.exists() else (None if args.check else rebuild(photo))
        if problem:
            missing += 1
            print(f"{photo.file}: {problem}", file=sys.stderr)
    print(f"{len(photos) - missing} of {len(photos)} photos present")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
