// Tests for KacFlow.
