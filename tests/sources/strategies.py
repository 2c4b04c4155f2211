"""Hypothesis strategies for the source tests."""

from __future__ import annotations

from hypothesis import strategies as st

#: Printable log-ish text without newlines (CR allowed: it is stripped at the end only).
line_text = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=0, max_size=60
)

#: Padding lengths that make some files shorter and some longer than the fingerprint.
padding = st.integers(min_value=0, max_value=40)

#: Chunk boundaries for feeding a splitter in pieces.
cut_points = st.lists(st.integers(min_value=0, max_value=2000), max_size=12)

#: Batch sizes a consumer might ask for.
batch_sizes = st.integers(min_value=1, max_value=25)
