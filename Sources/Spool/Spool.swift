// Module Spool: see README.md.
