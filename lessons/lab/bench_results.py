"""What bench_lab reports for each engine: its samples, the ratios and the table's cells
(lessons/lab/bench.py measures them)."""

from dataclasses import dataclass

from lessons.timing import median_ms, p95_ms

TARGET_RATIO = 1.30
# The whole lab request's median against bare Django's on the db engine, in the same run.
REQUEST_TARGET_RATIO = 3.0


@dataclass
class EngineResult:
    """One engine's samples: bare Django, the lab's session handling, the whole lab request,
    and bare Django on the db engine (from db's blocks; on db, the bare side)."""

    engine: str
    bare_ns: list[int]
    session_ns: list[int]
    request_ns: list[int]
    bare_db_ns: list[int]

    @property
    def ratio(self) -> float:
        """The target's ratio: the lab's session handling over bare Django's."""
        return median_ms(self.session_ns) / median_ms(self.bare_ns)

    @property
    def request_ratio(self) -> float:
        return median_ms(self.request_ns) / median_ms(self.bare_ns)

    @property
    def within_target(self) -> bool:
        return self.ratio <= TARGET_RATIO

    @property
    def request_ratio_to_db(self) -> float:
        """The whole lab request's median over bare Django's db-engine median, both measured
        in blocks that took turns: a machine that slows down for a while slows both alike."""
        return median_ms(self.request_ns) / median_ms(self.bare_db_ns)

    def cells(self) -> list[str]:
        return [
            self.engine,
            f"{median_ms(self.bare_ns):.3f}",
            f"{p95_ms(self.bare_ns):.3f}",
            f"{median_ms(self.session_ns):.3f}",
            f"{p95_ms(self.session_ns):.3f}",
            f"{self.ratio:.2f}",
            "yes" if self.within_target else "NO",
            f"{median_ms(self.request_ns):.3f}",
            f"{p95_ms(self.request_ns):.3f}",
            f"{self.request_ratio:.2f}",
            f"{median_ms(self.bare_db_ns):.3f}",
            f"{self.request_ratio_to_db:.2f}",
        ]


COLUMNS = [
    "engine",
    "bare median ms",
    "bare p95 ms",
    "lab session median ms",
    "lab session p95 ms",
    "ratio",
    f"within target (≤ {TARGET_RATIO:.2f})",
    "whole lab request median ms",
    "whole lab request p95 ms",
    "whole request ratio",
    "bare db median ms",
    f"whole request / bare db (≤ {REQUEST_TARGET_RATIO:.1f})",
]
