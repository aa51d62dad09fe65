"""The desk with a quick stand-in analysis in threads: most tests of ``posture serve`` need no model."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from serve_fakes import BASE_URL, LOCAL, csrf_token, fake_analysis

from posture.serve.app import Settings, create_app


@dataclass
class Desk:
    client: TestClient
    data: Path
    token: str
    settings: Settings


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    settings = Settings(data=tmp_path / "desk", max_upload_bytes=400_000, max_photos=3, max_clip_bytes=600_000)
    app = create_app(settings, analyse=fake_analysis, make_executor=lambda: ThreadPoolExecutor(1))
    with TestClient(app, base_url=BASE_URL, client=LOCAL) as client:
        yield Desk(client, settings.data, csrf_token(client), settings)
