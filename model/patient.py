"""One virtual patient: what differs between people, drawn from the scenario's distributions.

The seed draws the patient from a stream of its own, so a seed is one person whatever the arm
(treated, untreated, another schedule), and a batch of seeds is a cohort with a trial
population's spread. The draws are recorded with each run (``summary.json``, ``runs.csv``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from model.scenario import PatientSettings

AGE_RANGE = (18.0, 55.0)  # the relapsing-remitting trial population (CARE-MS, CLARITY)
REFERENCE_AGE = 34.0  # the ages below are relative to a typical trial patient


@dataclass(frozen=True)
class Patient:
    age: float  # years, at day 0 (the end of the burn-in)
    activity: float  # disease activity: scales waves and background recall (mean 1)
    drive: float  # homeostatic (IL-21-like) drive of lymphopenic proliferation (median 1)
    thymic_share: float  # share of T-cell renewal that comes from the thymus at this age
    smoulder: float  # pace of relapse-independent (smouldering) progression (mean 1)
    thyroid: float  # pace at which a thyroid autoantibody harms the gland (mean 1)

    def wave_rate_factor(self, settings: PatientSettings, years: float = 0.0) -> float:
        """Activity, and the fall of relapse rates with age (Tremlett 2008), ``years`` after
        day 0 (negative in the burn-in): the patient ages through the run, so the same
        person's disease quietens over a decade as a cohort's does."""
        per_5y = 1.0 - settings.age_activity_decline
        return self.activity * per_5y ** ((self.age + years - REFERENCE_AGE) / 5.0)

    def record(self) -> dict[str, float]:
        return {f"patient_{k}": round(v, 4) for k, v in asdict(self).items()}


def draw_patient(settings: PatientSettings, rng: np.random.Generator) -> Patient:
    """Draw one patient from the patient stream (age, activity, drive, smoulder, thyroid, in
    that order: a draw added later goes last, so earlier draws stay the same person)."""
    age = float(np.clip(rng.normal(settings.age_mean, settings.age_sd), *AGE_RANGE))
    cv = settings.activity_cv
    gamma = rng.gamma(1.0 / cv**2, cv**2) if cv > 0 else 1.0  # mean 1, CV as given
    activity = settings.activity_mean * float(gamma)
    drive = float(rng.lognormal(0.0, settings.drive_sd))
    thymus = settings.thymic_share * (1.0 - settings.thymic_decline) ** (age - 25.0)
    sd = settings.progression_sd
    smoulder = float(rng.lognormal(-(sd**2) / 2.0, sd))  # mean 1
    sd = settings.thyroid_sd
    thyroid = float(rng.lognormal(-(sd**2) / 2.0, sd))  # mean 1
    return Patient(age, activity, drive, float(min(thymus, 1.0)), smoulder, thyroid)
