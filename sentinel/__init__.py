"""Sentinel: security-focused anomaly and attack detection for Linux hosts.

Importing this package is cheap on purpose: heavy libraries (pandas,
scikit-learn, pyod) are imported lazily by the stages that need them.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0.dev0"
