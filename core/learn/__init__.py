"""Learning loops and their data: semi-supervised classification (Mean Teacher, FixMatch) and
detection (end-to-end Mean Teacher, Soft Teacher with box jittering, STAC)."""
