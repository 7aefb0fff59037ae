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
    import numpy as np
    from types import SimpleNamespace

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
