// Tests for ModelStore.
