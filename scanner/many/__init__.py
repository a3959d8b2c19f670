"""Scanning many repositories at once: listing them, running the scans, reporting the set."""
