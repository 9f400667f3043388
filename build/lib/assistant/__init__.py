"""Metropool scenario assistant: answers residents from the scenario texts, gathers ideas."""

__version__ = "0.1.0"
