// Module ModelStore: see README.md.
