"""staffsim.rng: a stream is PCG64(SeedSequence(seed, spawn_key=key)), state for state, whether its
seed words come from the memo or not (the memo is speed only: staffsim/rng.py)."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from staffsim import rng as rng_mod
from staffsim.rng import stream


def reference(seed, replication, *names):
    """The textbook construction, written out here: names hashed with blake2b (8 bytes, little
    endian), whole numbers >= 0 taken as they are."""
    def word(x):
        if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
            return int(x)
        return int.from_bytes(hashlib.blake2b(str(x).encode("utf-8"), digest_size=8).digest(), "little")
    key = (word(replication),) + tuple(word(n) for n in names)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(seed), spawn_key=key)))


KEYS = [(2026, 0, "voice", "patience", 17), (1, 3, "chat", "arrivals", 0), (0, 0),
        (7, 2, "absence", "phones", 1, 4), (2026, 9, "voice", "redial", "segment_patience", "vip", 3, 1),
        (5, np.int64(4), "voice", np.int64(12)), (5, 4, "voice", 12),
        (3, 1, True), (3, 1, 1), (3, 1, 17.0), (3, 1, 17), (2**40, 2**33, "x" * 300)]


@pytest.mark.parametrize("key", KEYS, ids=[str(k) for k in range(len(KEYS))])
def test_stream_is_the_seed_sequence_generator(key):
    want = reference(*key)
    for _ in range(2):  # the second call takes the memoised seed words
        got = stream(*key)
        assert got.bit_generator.state == want.bit_generator.state
        assert np.array_equal(got.random(5), reference(*key).random(5))
    assert np.array_equal(stream(*key).exponential(3.0, 1000), want.exponential(3.0, 1000))


def test_streams_are_fresh_and_independent():
    a, b = stream(11, 2, "voice", "handle", 5), stream(11, 2, "voice", "handle", 5)
    first = a.random(3)
    assert np.array_equal(b.random(3), first)  # b starts at the start whatever a drew
    assert not np.array_equal(stream(11, 2, "voice", "handle", 6).random(3), first)


def test_a_stream_pickles_and_copies_with_its_state():
    import copy
    import pickle

    g = stream(4, 1, "chat", "handle", 9)
    g.random(7)
    for twin in (pickle.loads(pickle.dumps(g)), copy.deepcopy(g)):
        assert twin.bit_generator.state == g.bit_generator.state
    assert np.array_equal(pickle.loads(pickle.dumps(g)).random(3), g.random(3))


def test_bad_keys_still_refused():
    for bad in (-1, True, 1.5, "3"):
        with pytest.raises(ValueError, match="seed"):
            stream(bad, 0, "voice")
    with pytest.raises(ValueError, match=">= 0"):
        stream(1, 0, "voice", -3)
    with pytest.raises(ValueError, match=">= 0"):
        stream(1, -1, "voice")


def test_memo_is_bounded():
    assert rng_mod._seed_words.cache_info().maxsize == rng_mod.CACHED_KEYS
