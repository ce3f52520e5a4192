from __future__ import annotations

from collections.abc import Iterator

import pytest

from migration_reviewer.replay.providers import provider_from_settings
from migration_reviewer.replay.providers.base import Server


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """The embedded PostgreSQL the review itself uses, shared by every case that replays."""
    provider = provider_from_settings("embedded", url=None, image=None, bin_dir=None)
    with provider.start() as started:
        yield started
