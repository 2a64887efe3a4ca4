"""Well-log features: mnemonic aliases, depth units, null sentinels, labels, resampling, QC, feature tables."""
