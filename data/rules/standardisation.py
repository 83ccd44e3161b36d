"""Township-station standardisation (六个规范): which grades count as standardised, and the
target. Pure, no I/O.

A station counts as standardised when its latest station check graded it model (示范) or
standard (达标); the bureau's target is that every township station is (seed 001: 100%).
A station never checked is not standardised.
"""

from __future__ import annotations

from data.models import Grade

STANDARDISED_GRADES = (Grade.model, Grade.standard)
TARGET_RATE = 1.0


def is_standardised(grade: Grade | str | None) -> bool:
    return grade is not None and Grade(grade) in STANDARDISED_GRADES


def standardisation_rate(standardised: int, stations: int) -> float | None:
    """The share of stations standardised, 0..1; None when there are no stations."""
    return standardised / stations if stations else None
