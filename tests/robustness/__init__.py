"""Robustness tests (issue 6): fuzzed editing, bad input, protocol misuse, load, fix safety, confinement."""
