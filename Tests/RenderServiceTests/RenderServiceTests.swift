// Tests for RenderService.
