// Tests for Spool.
