"""Analyses: run the model, write tables into a results bundle, return a typed result.

A plain run (`runs`), a sweep over parameter points (`sweep`), event attribution
(`attribution`) and a global sensitivity analysis with scenario discovery
(`sensitivity`, `discovery`), and a calibration to surveys and UN votes (`calibration`:
stage 1 in `matching`, ABC-SMC in `abc`, validation in `validation`). Nothing here draws
a figure or writes a report.
"""

from .attribution import AttributionResult
from .calibration import CalibrationResult
from .hindcast import ForecastResult
from .result import Result
from .runs import RunResult, run_paths, simulate
from .sensitivity import SensitivityResult
from .sweep import SweepResult

__all__ = ["AttributionResult", "CalibrationResult", "ForecastResult", "Result", "RunResult", "SensitivityResult", "SweepResult", "run_paths",
           "simulate"]
