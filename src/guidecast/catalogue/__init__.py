"""`guidecast catalogue`: every routine x language x voice x length of a catalogue file, built
on Dask distributed (model, reader, expand, tasks, run, index)."""
