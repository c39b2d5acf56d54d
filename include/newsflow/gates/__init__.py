"""Expectation gates: the GX suites (``suites``), running them (``runner``) and what their verdicts mean
(``policy``). ``GateFailed`` means the batch is broken: publish nothing."""

from newsflow.gates.policy import GateFailed

__all__ = ["GateFailed"]
