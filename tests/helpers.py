"""Small scenario builders for the engine tests."""

from __future__ import annotations

import copy

from staffsim import scenario_from_dict


def one_queue(
    *,
    volume_per_hour: float | None = None,
    arrivals: list | None = None,
    handle: dict | float = 60.0,
    patience: dict | float | None = None,
    agents: int = 1,
    start: str = "08:00",
    end: str = "09:00",
    slot: str = "1h",
    shifts: list | None = None,
    days: int = 1,
    extra_channel: dict | None = None,
    skills: list | None = None,
    run: dict | None = None,
    **channel_fields,
):
    """A one-channel scenario ("q") served by one group ("team")."""
    ch: dict = {"handle_time": handle if isinstance(handle, dict) else {"dist": "deterministic", "mean": handle},
                "target": {"service_level": 0.8, "threshold": 20}}
    if arrivals is not None:
        ch["arrivals"] = arrivals
    else:
        ch["volume"] = [volume_per_hour]
    if patience is not None:
        ch["patience"] = patience if isinstance(patience, dict) else {"dist": "deterministic", "mean": patience}
    ch.update(channel_fields)
    data = {
        "name": "test",
        "horizon": {"start": start, "end": end, "slot": slot, "days": days},
        "channels": {"q": ch},
        "agents": [{"group": "team", "skills": skills or ["q"],
                    "shifts": shifts or [{"start": start, "end": end, "agents": agents}]}],
        "run": run or {"replications": 1, "seed": 1, "drain": 0},
    }
    if extra_channel:
        data["channels"].update(copy.deepcopy(extra_channel))
    return scenario_from_dict(data)


def stationary(lam_per_hour: float, aht: float, agents: int, *, patience: float | None = None,
               hours: int = 24, replications: int = 8, seed: int = 11, concurrency: int = 1, **fields):
    """One stationary channel over a whole day, exponential times: an M/M/n(+M) queue."""
    ch = {"volume": [lam_per_hour] * hours, "handle_time": {"dist": "exponential", "mean": aht},
          "target": {"service_level": 0.8, "threshold": 20}, "concurrency": concurrency}
    if patience is not None:
        ch["patience"] = {"dist": "exponential", "mean": patience}
    ch.update(fields)
    end = f"{hours:02d}:00"
    return scenario_from_dict({
        "name": "stationary",
        "horizon": {"start": "00:00", "end": end, "slot": "1h"},
        "channels": {"q": ch},
        "agents": [{"group": "team", "skills": ["q"], "shifts": [{"start": "00:00", "end": end, "agents": agents}]}],
        "run": {"replications": replications, "seed": seed, "drain": 0},
    })


DRAW_FIELDS = ("times", "deflect_u", "fail_u", "fail_delay", "handle", "patience", "retry_u", "retry_delay",
               "segment", "balk_u", "accept_u", "answer_u")


def channel_draws(scenario, name: str, seed: int, rep: int):
    """A channel's pre-drawn contact attributes over the whole horizon (all days joined)."""
    from types import SimpleNamespace

    import numpy as np

    from staffsim.engine.draws import ChannelDrawer

    drawer = ChannelDrawer(scenario, name, list(scenario.channels).index(name), seed, rep)
    days = [drawer.day(d) for d in range(scenario.spec.horizon.days)]
    return SimpleNamespace(**{f: np.concatenate([np.asarray(getattr(d, f), float) for d in days])
                              for f in DRAW_FIELDS})


def trace(scenario, rep: int = 0, seed: int = 1):
    """The per-attempt log of one replication (staffing by plan or list as the scenario says)."""
    from staffsim.engine import run_replication
    from staffsim.experiment import plan_for, plan_headcount

    return run_replication(scenario, seed, rep, plan_headcount(scenario, plan_for(scenario)), keep_log=True).log
def explode_on_three(shared, task):
    """A task function with a bug: task 3 divides by zero (for the executors' tests)."""
    return shared + task if task != 3 else task / 0


def kill_self_on_two(shared, task):
    """A task function whose task 2 kills its own worker process, as the out-of-memory killer
    would (for the executors' tests)."""
    import os
    import signal

    if task == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return shared + task


def kill_self_once_on_two(shared, task):
    """Task 2 kills its worker process the first time it runs (``shared``: a marker file's path)."""
    import os
    import signal
    from pathlib import Path

    if task == 2 and not Path(shared).exists():
        Path(shared).write_text("killed once")
        os.kill(os.getpid(), signal.SIGKILL)
    return task * 10


def assert_columns_hold(before, now, what: str, rtol: float = 0.0) -> None:
    """Every column of the reference table ``before`` is in ``now`` with the same values (numbers
    bit for bit, NaN where NaN; within ``rtol`` when given); ``now`` may have columns added since
    (new behaviours' KPIs).

    Both are frames as read back from CSV (see :func:`as_read_back`). Simulated tables are held
    bit for bit; the Erlang plan's figures (service level, ASA, abandonment) were computed with
    a different, equally exact Erlang A evaluation when the tables were written, and are held to
    1e-12 (they differ in the last bit or two)."""
    import numpy as np

    assert len(before) == len(now), f"{what}: {len(now)} rows, the reference has {len(before)}"
    missing = [c for c in before.columns if c not in now.columns]
    assert not missing, f"{what}: columns gone: {missing}"
    for col in before.columns:
        b, n = before[col], now[col]
        if b.dtype.kind in "fiub" and n.dtype.kind in "fiub":
            if rtol:
                np.testing.assert_allclose(n.to_numpy(float), b.to_numpy(float), rtol=rtol, atol=0,
                                           equal_nan=True, err_msg=f"{what}.{col}")
            else:
                np.testing.assert_array_equal(b.to_numpy(float), n.to_numpy(float), err_msg=f"{what}.{col}")
        else:
            assert b.fillna("").astype(str).tolist() == n.fillna("").astype(str).tolist(), f"{what}.{col}"


def as_read_back(frame_or_text):
    """A frame (or CSV text) as it reads back from CSV: the dtypes the reference tables have."""
    import io

    import pandas as pd

    text = frame_or_text if isinstance(frame_or_text, str) else frame_or_text.to_csv(index=False, float_format="%.17g")
    return pd.read_csv(io.StringIO(text), dtype={"slot_start": str, "arrival": str})


def slow_first(delay, task):
    """Task 0 sleeps ``delay`` seconds, the others return at once: they finish out of order."""
    import time

    if task == 0:
        time.sleep(delay)
    return task
