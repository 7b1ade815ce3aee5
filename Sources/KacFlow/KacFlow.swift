// Module KacFlow: see README.md.
