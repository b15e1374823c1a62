"""msim: an agent-based model of the immune system in multiple sclerosis and of alemtuzumab.

The simulation core (``model.model``, ``model.agents``, ``model.run``) imports no UI and writes
no files; ``msim`` (``model.cli``), the batch runner and the Solara app are faces over
:func:`model.run.simulate`.
"""

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
