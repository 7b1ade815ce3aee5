// Module Imaging: see README.md.
