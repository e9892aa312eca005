"""Shared ground under every stage: errors, interrupts, names, durations, worker processes."""
