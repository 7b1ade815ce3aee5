// Module Training: see README.md.
