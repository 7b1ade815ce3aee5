// Tests for Imaging.
