"""Shared fixtures: the real test photos beside the checkout, the pose model, one Analyzer per session, the
knowledge base.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from builders import PHOTOS

from posture.analyzer import Analyzer
from posture.io.model import prepare_model
from posture.knowledge.explanations import KnowledgeBase, load_knowledge_base


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
    """The default pose model, prepared on first use.

    Mutation runs (``make mutate``) set POSTURE_TESTS_WITHOUT_MODEL=1: every test that needs the model then skips,
    since loading it for each of thousands of mutants would take days.
    """
    if os.environ.get("POSTURE_TESTS_WITHOUT_MODEL") == "1":
        pytest.skip("POSTURE_TESTS_WITHOUT_MODEL=1 (a mutation run) leaves out the tests that load the pose model")
    return prepare_model()


@pytest.fixture(scope="session")
def analyzer(pose_model: Path) -> Iterator[Analyzer]:
    """One Analyzer (one open landmarker) for the whole session, as a batch worker would use it."""
    with Analyzer(pose_model) as shared:
        yield shared


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    """The shipped knowledge base, read once per test module."""
    return load_knowledge_base()
