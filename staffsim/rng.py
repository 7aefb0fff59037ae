"""The only place random generators are created.

Every stream is a :class:`numpy.random.Generator` (PCG64) seeded by a :class:`SeedSequence` keyed
by ``(seed, replication, *names)`` — for example ``(2026, 3, "voice", "patience", 17)`` for the
patience draws of voice contacts arriving in slot 17 of replication 3. Names are turned into
integers with a stable hash (not Python's salted ``hash``), so a stream is the same in every
process and on every run, and adding a channel or a slot leaves every other stream unchanged.
"""

from __future__ import annotations

import hashlib

import numpy as np


def _word(name: object) -> int:
    if isinstance(name, (int, np.integer)) and not isinstance(name, bool):
        if name < 0:
            raise ValueError(f"stream key must be >= 0, got {name}")
        return int(name)
    digest = hashlib.blake2b(str(name).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def stream(seed: int, replication: int, *names: object) -> np.random.Generator:
    """The generator for one (seed, replication, names...) key."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
    key = (_word(replication),) + tuple(_word(n) for n in names)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(seed), spawn_key=key)))
