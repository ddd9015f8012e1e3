"""Funnel tracking for the team's marketing and sales: the Dagster project (see README.md)."""

from funnel_assets.memory import hand_freed_memory_back

# first, before any module of the project has Arrow allocate: its allocator is chosen before its first use
hand_freed_memory_back()
