"""Expectation gates. ``GateFailed`` means the batch is broken: publish nothing."""


class GateFailed(RuntimeError):
    def __init__(self, gate: str, failures: list[str]) -> None:
        super().__init__(f"{gate} failed: " + "; ".join(failures))
        self.gate = gate
        self.failures = failures
