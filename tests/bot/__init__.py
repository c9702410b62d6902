"""Tests of the Discord adapter, driven through a real discord.py bot (see harness.py)."""
