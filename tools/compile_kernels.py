"""Compile the engine's numba kernels (model/kernels.py) into their on-disk cache at set-up,
so the first run, test or student's page does not wait about 10 s for the compiler."""

from model.run import simulate
from model.scenario import Scenario, prepare

if __name__ == "__main__":
    simulate(prepare(Scenario(), days=2))
