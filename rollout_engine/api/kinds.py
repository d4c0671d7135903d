"""The four kinds of group ``rollout-engine.io``: their names, scope and printer columns.

CRD generation, lint and the clients all read this one table, so a kind's
plural or short names are written down exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

from pydantic import BaseModel

from rollout_engine.api.analysisrun import AnalysisRun
from rollout_engine.api.rollout import Rollout
from rollout_engine.api.template import AnalysisTemplate, ClusterAnalysisTemplate

__all__ = ["GROUP", "GROUP_VERSION", "KINDS", "VERSION", "KindInfo", "PrinterColumn", "kind_info"]

GROUP: Final = "rollout-engine.io"
VERSION: Final = "v1alpha1"
GROUP_VERSION: Final = f"{GROUP}/{VERSION}"


@dataclass(frozen=True)
class PrinterColumn:
    """A ``kubectl get`` column (additionalPrinterColumns)."""

    name: str
    type: Literal["string", "integer", "number", "boolean", "date"]
    json_path: str
    description: str = ""
    priority: int = 0


@dataclass(frozen=True)
class KindInfo:
    """Everything a CRD needs to know about one kind besides its schema."""

    kind: str
    plural: str
    singular: str
    short_names: tuple[str, ...]
    namespaced: bool
    model: type[BaseModel]
    has_status: bool
    columns: tuple[PrinterColumn, ...] = field(default=())

    @property
    def crd_name(self) -> str:
        """``<plural>.<group>``, the CRD object's name."""
        return f"{self.plural}.{GROUP}"


_AGE = PrinterColumn("Age", "date", ".metadata.creationTimestamp")

KINDS: Final[tuple[KindInfo, ...]] = (
    KindInfo(
        kind="Rollout",
        plural="rollouts",
        singular="rollout",
        short_names=("ro", "rol"),
        namespaced=True,
        model=Rollout,
        has_status=True,
        columns=(
            PrinterColumn("Phase", "string", ".status.phase", "Progressing, Paused, Healthy…"),
            PrinterColumn("Step", "integer", ".status.currentStepIndex", "Current step index"),
            PrinterColumn("Weight", "integer", ".status.currentWeights.canary", "Canary %"),
            PrinterColumn("Message", "string", ".status.message", "Why it is where it is", 1),
            _AGE,
        ),
    ),
    KindInfo(
        kind="AnalysisTemplate",
        plural="analysistemplates",
        singular="analysistemplate",
        short_names=("at",),
        namespaced=True,
        model=AnalysisTemplate,
        has_status=False,
        columns=(_AGE,),
    ),
    KindInfo(
        kind="ClusterAnalysisTemplate",
        plural="clusteranalysistemplates",
        singular="clusteranalysistemplate",
        short_names=("cat",),
        namespaced=False,
        model=ClusterAnalysisTemplate,
        has_status=False,
        columns=(_AGE,),
    ),
    KindInfo(
        kind="AnalysisRun",
        plural="analysisruns",
        singular="analysisrun",
        short_names=("ar",),
        namespaced=True,
        model=AnalysisRun,
        has_status=True,
        columns=(
            PrinterColumn("Phase", "string", ".status.phase", "Running, Successful, Failed…"),
            PrinterColumn("Message", "string", ".status.message", "The verdict's reason", 1),
            _AGE,
        ),
    ),
)


def kind_info(kind: str) -> KindInfo | None:
    """Look a kind up by its name (``Rollout``)."""
    return next((k for k in KINDS if k.kind == kind), None)
