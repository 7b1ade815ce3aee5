// Module RenderService: see README.md.
