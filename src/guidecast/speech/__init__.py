"""Speech: text in, mono 16-bit PCM out, through engines that run in worker processes."""
