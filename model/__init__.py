"""msim: an agent-based model of the immune system in multiple sclerosis and of alemtuzumab.

The simulation core (``model.model``, ``model.agents``, ``model.run``) imports no UI and writes
no files; ``msim`` (``model.cli``), the batch runner and the Solara app are faces over
:func:`model.run.simulate`.
"""

from importlib import import_module
from typing import TYPE_CHECKING

# Imported on first use (PEP 562): ``msim`` and the batch parent need the scenario code only,
# and importing Mesa and the engine up front would cost every command about a second.
_HOME = {
    "AntibodyParticle": "model.agents",
    "Kind": "model.agents",
    "Lymphocyte": "model.agents",
    "MyelinSite": "model.agents",
    "MSModel": "model.model",
    "RunResult": "model.run",
    "simulate": "model.run",
    "DosingCourse": "model.scenario",
    "Scenario": "model.scenario",
    "ScenarioError": "model.scenario",
    "load_scenario": "model.scenario",
}

if TYPE_CHECKING:
    from model.agents import AntibodyParticle, Kind, Lymphocyte, MyelinSite
    from model.model import MSModel
    from model.run import RunResult, simulate
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
    "load_scenario",
    "simulate",
]


def __getattr__(name: str):
    if name in _HOME:
        return getattr(import_module(_HOME[name]), name)
    raise AttributeError(f"module 'model' has no attribute {name!r}")
