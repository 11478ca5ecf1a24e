"""The catalog: datasets, their metadata, and the reference lists they point at."""
