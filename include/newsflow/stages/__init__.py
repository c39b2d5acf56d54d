from newsflow.stages.base import Stage, StageStats, run_stages

__all__ = ["Stage", "StageStats", "run_stages"]
