"""Coachbook: private handbook-and-progress sites for coaching clients."""

__version__ = "0.1.0"
