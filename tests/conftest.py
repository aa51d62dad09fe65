"""Shared fixtures: the real test photos beside the checkout, the pose model, one Analyzer per session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from posture.analyzer import Analyzer
from posture.io.model import prepare_model

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
PHOTOS = SHARED / "photos"


@pytest.fixture(scope="session")
def shared_photo() -> Callable[[str], Path]:
    """Return a function giving the path of a photo in ../shared/photos, skipping when it is absent."""

    def locate(name: str) -> Path:
        path = PHOTOS / name
        if not path.is_file():
            pytest.skip(f"needs the real test photo {name} in ../shared/photos beside the checkout")
        return path

    return locate


@pytest.fixture(scope="session")
def pose_model() -> Path:
    """The default pose model, prepared on first use."""
    return prepare_model()


@pytest.fixture(scope="session")
def analyzer(pose_model: Path) -> Iterator[Analyzer]:
    """One Analyzer (one open landmarker) for the whole session, as a batch worker would use it."""
    with Analyzer(pose_model) as shared:
        yield shared
