"""One replication of a contact-center day (or several days) on SimPy.

``run_replication(scenario, seed, replication, headcount)`` is a pure function of its arguments:
it returns a :class:`ReplicationOutput` (per-slot counts, and the per-attempt log when asked) and
touches no global state.

The package is split by concern:

- :mod:`~staffsim.engine.core`: attempt states, the attempt record, the timer event and the
  event loop;
- :mod:`~staffsim.engine.draws`: the contacts' pre-drawn attributes, a day at a time (common
  random numbers by construction);
- :mod:`~staffsim.engine.roster`: agents and their timelines (shifts, breaks, absence, staffing
  by slot);
- :mod:`~staffsim.engine.arrivals`, :mod:`~staffsim.engine.routing`,
  :mod:`~staffsim.engine.agents`: the event callbacks;
- :mod:`~staffsim.engine.repeats`: first-contact resolution, unresolved contacts coming back as
  repeat attempts; :mod:`~staffsim.engine.appointments`: booked contacts, no-shows, reminders
  and the agent's grace period (both off unless the scenario uses them);
- :mod:`~staffsim.engine.door` (callback offers and balking before a contact joins the line) and
  :mod:`~staffsim.engine.callbacks` (the dials): what customers do at the queue;
- :mod:`~staffsim.engine.policies` (queue order, agent choice, lines) and
  :mod:`~staffsim.engine.redials` (retrial values drawn as attempts happen, redials at opening):
  routing as contact centers do it (issue 20; each off unless the scenario asks);
- :mod:`~staffsim.engine.outbound`: outbound campaigns, dial lists worked by idle agents under a
  blend rule, and outreach that prevents later inbound contacts (off unless ``outbound:``);
- :mod:`~staffsim.engine.transfers`: transfers to another skill's queue, conferences with a
  supervisor and wrap-up shortened under load (issue 20; each off unless the scenario asks);
- :mod:`~staffsim.engine.recorder`: what is recorded, folded into per-slot figures at every
  midnight (bounded memory for long horizons);
- :mod:`~staffsim.engine.audit`: invariant checks (``STAFFSIM_AUDIT=1``);
- :mod:`~staffsim.engine.replication`: the state and the run.

*Events, not processes.* SimPy is the scheduler, but no contact or agent has a process of its
own: arrivals are one chain through each day's pre-sorted arrival times (the next one held
beside the queue and taken in at its turn), each service start schedules one completion (the
attempt itself is that event), and a contact that has to wait schedules one patience timer.
Patience timers run at a priority below SimPy's normal one, so when a patience expires at
the very instant an agent frees up, the agent's event runs first and answers the contact (ties go
to the agent); the stale timer then finds the contact answered and does nothing.

*Semantics* (DESIGN.md §4): Poisson arrivals per slot (Poisson count, sorted uniform times) or
explicit arrival times, with interval AHT, event windows and forecast-error multipliers applied
when the contacts are drawn (:mod:`~staffsim.engine.draws`, each off unless the scenario asks);
slots only in each day's opening hours (``horizon.slot_starts()``); self-service, patience and retrials (:mod:`~staffsim.engine.arrivals`);
routing, segment priorities and overflow delays (:mod:`~staffsim.engine.routing`); balking and
callbacks (:mod:`~staffsim.engine.door`, :mod:`~staffsim.engine.callbacks`); no pre-emption at breaks and shift ends
(:mod:`~staffsim.engine.agents`); absence and staffing by slot
(:mod:`~staffsim.engine.roster`).

*Closing.* At the end of the horizon arrivals stop; agents logged in at that moment stay until the
queues they serve are empty, for at most ``run.drain``; contacts still waiting then are
unfinished. Between days agents go home and contacts that never abandon (email) wait for the next
morning.
"""

from staffsim.engine.audit import Audit, InvariantError
from staffsim.engine.core import (
    ABANDONED,
    BALKED,
    CALLBACK,
    DEFLECTED,
    DONE,
    FAILED,
    KIND_NAMES,
    NO_ANSWER,
    NO_SHOW,
    SERVE,
    WAIT,
)
from staffsim.engine.replication import Replication, ReplicationOutput, run_replication

__all__ = ["ABANDONED", "BALKED", "CALLBACK", "DEFLECTED", "DONE", "FAILED", "KIND_NAMES", "NO_ANSWER",
           "NO_SHOW", "SERVE", "WAIT", "Audit", "InvariantError", "Replication", "ReplicationOutput",
           "run_replication"]
