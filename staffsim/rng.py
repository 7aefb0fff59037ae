"""The only place random generators are created.

Every stream is a :class:`numpy.random.Generator` (PCG64) seeded by a :class:`SeedSequence` keyed
by ``(seed, replication, *names)`` — for example ``(2026, 3, "voice", "patience", 17)`` for the
patience draws of voice contacts arriving in slot 17 of replication 3. Names are turned into
integers with a stable hash (not Python's salted ``hash``), so a stream is the same in every
process and on every run, and adding a channel or a slot leaves every other stream unchanged.

*Speed.* Building the ``SeedSequence`` and letting it generate the PCG64 seed costs about 35 µs,
more than the draws of a slot; a replication makes hundreds of streams, and the simulated
requirement (:mod:`staffsim.isa`) runs the same (seed, replication) hundreds of times. So the
seed words a key gives (the 256 bits ``SeedSequence.generate_state(4, uint64)`` returns, what
PCG64 seeds itself from) are memoised per process (:func:`_seed_words`, least recently used
first out), and a new stream is a fresh PCG64 seeded from them through :class:`_Words`: the
same generator, state for state, as ``PCG64(SeedSequence(seed, spawn_key=key))``
(``tests/test_rng.py`` checks it). The memo is a pure function's cache, not random state: every
call still returns a new generator at the start of its stream.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np
from numpy.random.bit_generator import ISeedSequence

CACHED_KEYS = 1 << 16  # stream keys whose seed words are remembered (about 25 MB at most)


@lru_cache(maxsize=4096, typed=True)  # names repeat (channels, kinds, slots): hash each once
def _word(name: object) -> int:
    if isinstance(name, (int, np.integer)) and not isinstance(name, bool):
        if name < 0:
            raise ValueError(f"stream key must be >= 0, got {name}")
        return int(name)
    digest = hashlib.blake2b(str(name).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


@lru_cache(maxsize=CACHED_KEYS, typed=True)
def _seed_words(seed: int, replication: object, *names: object) -> np.ndarray:
    """The four 64-bit words PCG64 seeds itself from for this key (read-only)."""
    key = (_word(replication),) + tuple(_word(n) for n in names)
    words = np.random.SeedSequence(int(seed), spawn_key=key).generate_state(4, np.uint64)
    words.flags.writeable = False
    return words


class _Words(ISeedSequence):
    """A seed sequence that hands PCG64 seed words already generated (see the module doc)."""

    __slots__ = ("words",)

    def __init__(self, words: np.ndarray):
        self.words = words

    def generate_state(self, n_words: int, dtype=np.uint32) -> np.ndarray:
        if n_words != 4 or np.dtype(dtype) != np.uint64:  # only PCG64's request is memoised
            raise ValueError("staffsim.rng: a stream's seed is PCG64's four 64-bit words")
        return self.words


def stream(seed: int, replication: int, *names: object) -> np.random.Generator:
    """The generator for one (seed, replication, names...) key."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
    return np.random.Generator(np.random.PCG64(_Words(_seed_words(seed, replication, *names))))
