"""Stage 2: a `Routine` -> the spoken `Script` (rounds unrolled, sides split)."""
