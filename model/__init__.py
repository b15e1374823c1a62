"""msim: an agent-based model of the immune system in multiple sclerosis and of alemtuzumab.

The simulation core (``model.scenario``, ``model.model``, ``model.agents``, ``model.records``,
``model.run``) imports no face and writes no files. Every face runs the model through
:mod:`model.run`: ``msim run`` and the batch call :func:`~model.run.simulate`, the app advances a
:class:`~model.run.Simulation` a few days a frame; all of them read the recorded tables
(``docs/design.md``).
"""

from importlib import import_module
from typing import TYPE_CHECKING

# Imported on first use (PEP 562): ``msim`` and the batch parent need the scenario code only,
# and importing Mesa and the engine up front would cost every command about a second.
_HOME = {
    "AntibodyParticle": "model.agents",
    "Kind": "model.kinds",
    "Lymphocyte": "model.agents",
    "MyelinSite": "model.agents",
    "MSModel": "model.model",
    "RunResult": "model.run",
    "Simulation": "model.run",
    "simulate": "model.run",
    "DosingCourse": "model.scenario",
    "Scenario": "model.scenario",
    "ScenarioError": "model.scenario",
    "load_scenario": "model.scenario",
}

if TYPE_CHECKING:
    from model.agents import AntibodyParticle, Lymphocyte, MyelinSite
    from model.kinds import Kind
    from model.model import MSModel
    from model.run import RunResult, Simulation, simulate
    from model.scenario import DosingCourse, Scenario, ScenarioError, load_scenario

__all__ = [
    "AntibodyParticle",
    "DosingCourse",
    "Kind",
    "Lymphocyte",
    "MSModel",
    "MyelinSite",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "Simulation",
    "load_scenario",
    "simulate",
]


def __getattr__(name: str):
    if name in _HOME:
        return getattr(import_module(_HOME[name]), name)
    raise AttributeError(f"module 'model' has no attribute {name!r}")
