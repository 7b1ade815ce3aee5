// Non-variadic wrappers around the libvips calls the Imaging module uses.
// Swift cannot call C variadic functions, so every vips_* call with optional arguments lives here.
// Ownership: a `VipsImage **out` receives a new reference the caller must g_object_unref; a
// `void **buffer` receives memory the caller must g_free. On failure (-1 or NULL) nothing is owned.
#ifndef KAC_VIPS_SHIM_H
#define KAC_VIPS_SHIM_H
#include <stddef.h>
#include <vips/vips.h>

/// Initialises libvips once per process (and disables its operation cache); returns 0 on success.
int kac_vips_init(void);

/// Makes the first kac_vips_init start libvips without its dynamically loaded format modules
/// (VIPSHOME set to a directory that does not exist), unless libvips has started already or
/// VIPSHOME is set and not empty. Returns 1 when it took effect, 0 when it did not apply, -1 on failure. Call
/// before any other thread uses libvips; PNG, JPEG, WebP, TIFF, SVG and text are built in.
int kac_vips_skip_modules(void);

/// 1 when libvips has operations that Debian's build ships only as modules (heifload, jxlload,
/// magickload, pdfload, openslideload), 0 when none, -1 when libvips does not start.
int kac_vips_modules_loaded(void);

/// Sets how many worker threads each libvips pipeline uses, unless the VIPS_CONCURRENCY environment
/// variable chose already; initialises libvips first. Returns 0, or -1 when libvips does not start.
int kac_vips_set_pipeline_threads(int threads);

/// The number of worker threads each libvips pipeline uses.
int kac_vips_pipeline_threads(void);

/// The last libvips error message (and clears it); never NULL.
const char *kac_vips_error(void);

/// Releases a reference to an image (g_object_unref); NULL is ignored.
void kac_image_unref(VipsImage *image);

/// Releases a buffer returned by a save or read function (g_free); NULL is ignored.
void kac_buffer_free(void *buffer);

/// A new 8-bit image holding a copy of interleaved `pixels` ([height, width, bands]); NULL on error.
/// Interpretation is b-w for 1 band and sRGB for 3; resolution is fixed so files are reproducible.
VipsImage *kac_image_from_uchar(const unsigned char *pixels, int width, int height, int bands);

/// Copies an image's pixels to a new buffer (8-bit, interleaved); NULL on error.
void *kac_image_to_memory(VipsImage *image, size_t *length);

int kac_image_width(VipsImage *image);
int kac_image_height(VipsImage *image);
int kac_image_bands(VipsImage *image);
/// VipsBandFormat of the pixels (VIPS_FORMAT_UCHAR for everything this project writes).
int kac_image_band_format(VipsImage *image);
/// The image's colour interpretation as libvips names it ("srgb", "b-w", …); a static string.
const char *kac_image_interpretation(VipsImage *image);

/// Attaches a string (png-comment-N-key, image-description, exif-ifd0-…) to an image.
void kac_image_set_string(VipsImage *image, const char *name, const char *value);
/// Attaches a copy of a binary blob (xmp-data) to an image.
void kac_image_set_blob(VipsImage *image, const char *name, const void *data, size_t length);
/// The string value of a metadata field, or NULL if absent; owned by the image.
const char *kac_image_get_string(VipsImage *image, const char *name);
/// The bytes of a blob field, or NULL if absent; owned by the image.
const void *kac_image_get_blob(VipsImage *image, const char *name, size_t *length);
/// A NULL-terminated array of metadata field names; free with g_strfreev via kac_strv_free.
char **kac_image_field_names(VipsImage *image);
void kac_strv_free(char **names);

/// Nearest-neighbour upscale by an integer factor in both directions.
int kac_zoom(VipsImage *in, VipsImage **out, int factor);
/// Resize by `scale` with the Lanczos-3 kernel.
int kac_resize_lanczos3(VipsImage *in, VipsImage **out, double scale);
/// Renders `text` as a one-band 8-bit mask (255 = ink), on one line, in `font` (a Pango font
/// description whose size is in pixels, e.g. "DejaVu Sans 11.5px"). The mask is as large as the
/// text's extents. Always at 96 dpi, pangocairo's own resolution: libvips sets the resolution on
/// the font map at every call, and pango 1.50 clears the font map's caches whenever it changes
/// (see Imaging/LabelText.swift), so labels are sized by the font, never by the resolution.
int kac_text(VipsImage **out, const char *text, const char *font);

/// Encoders to memory. Metadata attached to `in` is kept (no strip); libvips 8.14 embeds nothing
/// time-dependent in these formats, which the determinism tests check.
int kac_pngsave(VipsImage *in, void **buffer, size_t *length, int compression);
int kac_jpegsave(VipsImage *in, void **buffer, size_t *length, int quality);
int kac_webpsave(VipsImage *in, void **buffer, size_t *length, int quality, int lossless);
int kac_tiffsave(VipsImage *in, void **buffer, size_t *length);

/// Loads a file or an in-memory encoded image (the buffer must outlive the image); NULL on error.
VipsImage *kac_load_file(const char *path);
VipsImage *kac_load_buffer(const void *data, size_t length);
/// The loader libvips picked ("pngload", "jpegload_buffer", …), or NULL.
const char *kac_image_loader(VipsImage *image);

#endif
