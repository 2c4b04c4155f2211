"""streaming_gc: scoped collector settings."""

from __future__ import annotations

import gc

from sentinel.runtime import YOUNG_THRESHOLD, streaming_gc


class TestStreamingGc:
    def test_settings_inside_and_restored_after(self) -> None:
        before = gc.get_threshold()
        frozen = gc.get_freeze_count()
        with streaming_gc():
            assert gc.get_threshold()[0] >= YOUNG_THRESHOLD
            assert gc.get_threshold()[1:] == before[1:]
            assert gc.get_freeze_count() > frozen
        assert gc.get_threshold() == before
        assert gc.get_freeze_count() == 0

    def test_restored_after_an_error(self) -> None:
        before = gc.get_threshold()
        try:
            with streaming_gc():
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        assert gc.get_threshold() == before
        assert gc.get_freeze_count() == 0

    def test_cycles_are_still_collected(self) -> None:
        """Cyclic garbage made while streaming is collected (later, not never)."""

        class Node:
            def __init__(self) -> None:
                self.me = self

        with streaming_gc():
            for _ in range(1000):
                Node()
            gc.collect()
            assert not any(isinstance(o, Node) for o in gc.get_objects())
