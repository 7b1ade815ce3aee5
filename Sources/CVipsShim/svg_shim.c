// SVG → RGB pixels in one call, so the Swift side never holds an image whose source buffer could
// be freed underneath it (svgload_buffer reads its input lazily).
#include "svg_shim.h"
#include "vips_shim.h"

void *kac_svg_render_rgb(const void *svg, size_t length, int *width, int *height) {
    VipsImage *loaded = NULL, *flat = NULL, *rgb = NULL;
    void *pixels = NULL;
    if (vips_svgload_buffer((void *)svg, length, &loaded, NULL) != 0) goto done;
    if (vips_image_get_bands(loaded) == 4) {
        VipsArrayDouble *white = vips_array_double_newv(3, 255.0, 255.0, 255.0);
        int status = vips_flatten(loaded, &flat, "background", white, NULL);
        vips_area_unref(VIPS_AREA(white));
        if (status != 0) goto done;
    } else {
        flat = loaded;
        g_object_ref(flat);
    }
    if (vips_cast_uchar(flat, &rgb, NULL) != 0) goto done;
    size_t size = 0;
    pixels = vips_image_write_to_memory(rgb, &size);
    if (pixels) {
        *width = vips_image_get_width(rgb);
        *height = vips_image_get_height(rgb);
        if (size != (size_t)(*width) * (size_t)(*height) * 3) {
            vips_error("kac_svg_render_rgb", "expected 3 bands, got %d", vips_image_get_bands(rgb));
            g_free(pixels);
            pixels = NULL;
        }
    }
done:
    if (rgb) g_object_unref(rgb);
    if (flat) g_object_unref(flat);
    if (loaded) g_object_unref(loaded);
    return pixels;
}
