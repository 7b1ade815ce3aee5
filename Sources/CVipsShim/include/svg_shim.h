// Rasterising an SVG document through libvips (svgload_buffer, backed by librsvg), flattened onto
// white: used for evaluation plots. Ownership as in vips_shim.h: the returned buffer is the
// caller's and is released with kac_buffer_free.
#ifndef KAC_SVG_SHIM_H
#define KAC_SVG_SHIM_H
#include <stddef.h>

/// Renders `length` bytes of SVG at its declared size (1 px per user unit) to interleaved 8-bit
/// RGB ([height, width, 3]); stores the size in *width and *height. NULL on error (see kac_vips_error).
void *kac_svg_render_rgb(const void *svg, size_t length, int *width, int *height);

#endif
