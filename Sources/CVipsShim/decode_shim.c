// Decoding one image file into a square 8-bit training sample (see decode_shim.h). Every
// intermediate image is unreffed on every path; the output buffer belongs to the caller.
#include "decode_shim.h"
#include <math.h>
#include <vips/vips.h>

// Replaces *image by *out, the result of a step that returned `status`, dropping the old
// reference; returns -1 on failure. `out` is passed by address because C leaves the order of
// argument evaluation open: the step's call must have written it before it is read here.
static int step(VipsImage **image, int status, VipsImage **out) {
    if (status != 0 || !*out) return -1;
    g_object_unref(*image);
    *image = *out;
    *out = NULL;
    return 0;
}

static void *decode_opened(VipsImage *image, const char *name, int side, int channels, int background,
                           long long max_pixels, int *source_width, int *source_height);

void *kac_decode_square(const char *path, int side, int channels, int background, long long max_pixels,
                        int *source_width, int *source_height) {
    if (side < 1 || (channels != 1 && channels != 3)) {
        vips_error("kac_decode_square", "side must be positive and channels 1 or 3");
        return NULL;
    }
    VipsImage *image = vips_image_new_from_file(path, "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL);
    if (!image) return NULL;
    return decode_opened(image, path, side, channels, background, max_pixels, source_width, source_height);
}

void *kac_decode_square_buffer(const void *data, size_t length, const char *name, int side, int channels,
                               int background, long long max_pixels, int *source_width, int *source_height) {
    if (side < 1 || (channels != 1 && channels != 3)) {
        vips_error("kac_decode_square", "side must be positive and channels 1 or 3");
        return NULL;
    }
    VipsImage *image = vips_image_new_from_buffer(data, length, "", "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL);
    if (!image) return NULL;
    return decode_opened(image, name, side, channels, background, max_pixels, source_width, source_height);
}

// `image` has only its header read (libvips loads lazily); this takes over its reference.
static void *decode_opened(VipsImage *image, const char *name, int side, int channels, int background,
                           long long max_pixels, int *source_width, int *source_height) {
    *source_width = image->Xsize;
    *source_height = image->Ysize;
    // The header's size decides before a pixel is decoded: a small file may declare gigapixels.
    if (max_pixels > 0 && (long long)image->Xsize * image->Ysize > max_pixels) {
        vips_error("kac_decode_square", "%s declares %dx%d pixels, more than the limit of %lld", name, image->Xsize,
                   image->Ysize, max_pixels);
        g_object_unref(image);
        return NULL;
    }
    // And its bands and sample format: decoded whole, the image may take at most 8 bytes a pixel
    // of the limit (16-bit RGBA), whatever it declares.
    if (max_pixels > 0 && (long long)VIPS_IMAGE_SIZEOF_IMAGE(image) > 8 * max_pixels) {
        vips_error("kac_decode_square", "%s declares %d bands of %d bytes at %dx%d, more than the limit", name,
                   image->Bands, (int)vips_format_sizeof(image->BandFmt), image->Xsize, image->Ysize);
        g_object_unref(image);
        return NULL;
    }
    VipsImage *out = NULL;
    int failed = 0;
    // Decode the whole file into memory first. Left lazy, a truncated file's read error is raised
    // in a worker thread and was measured to get lost in about one decode in five (libvips 8.14:
    // 57 of 300 truncated PNGs came out "decoded"); read in one piece, 0 of 3,000 did.
    out = vips_image_copy_memory(image);
    failed = step(&image, out ? 0 : -1, &out);
    failed = failed || step(&image, vips_autorot(image, &out, NULL), &out);
    VipsInterpretation target = channels == 3 ? VIPS_INTERPRETATION_sRGB : VIPS_INTERPRETATION_B_W;
    failed = failed || step(&image, vips_colourspace(image, &out, target, NULL), &out);
    if (!failed && vips_image_hasalpha(image)) {
        double values[3] = {background, background, background};
        VipsArrayDouble *colour = vips_array_double_new(values, channels);
        int status = vips_flatten(image, &out, "background", colour, NULL);
        vips_area_unref(VIPS_AREA(colour));
        failed = step(&image, status, &out);
    }
    // Keep exactly the colour bands (e.g. drop extra bands of multi-band TIFFs).
    if (!failed && image->Bands > channels) {
        failed = step(&image, vips_extract_band(image, &out, 0, "n", channels, NULL), &out);
    }
    if (!failed && (image->Xsize < image->Ysize ? image->Xsize : image->Ysize) != side) {
        // Target size in whole pixels: the shorter side becomes `side` exactly.
        int width = image->Xsize, height = image->Ysize;
        int target_width = width <= height ? side : (int)fmax(side, rint((double)width * side / height));
        int target_height = width <= height ? (int)fmax(side, rint((double)height * side / width)) : side;
        failed = step(&image,
                      vips_resize(image, &out, (double)target_width / width, "vscale",
                                  (double)target_height / height, "kernel", VIPS_KERNEL_LANCZOS3, NULL),
                      &out);
    }
    if (!failed && (image->Xsize < side || image->Ysize < side)) {
        vips_error("kac_decode_square", "resized to %dx%d, smaller than %d", image->Xsize, image->Ysize, side);
        failed = 1;
    }
    if (!failed && (image->Xsize != side || image->Ysize != side)) {
        int left = (image->Xsize - side) / 2, top = (image->Ysize - side) / 2;
        failed = step(&image, vips_extract_area(image, &out, left, top, side, side, NULL), &out);
    }
    if (!failed && image->BandFmt != VIPS_FORMAT_UCHAR) {
        failed = step(&image, vips_cast_uchar(image, &out, NULL), &out);
    }
    void *pixels = NULL;
    if (!failed) {
        size_t length = 0;
        pixels = vips_image_write_to_memory(image, &length);
        if (pixels && length != (size_t)side * side * channels) {
            vips_error("kac_decode_square", "decoded %zu bytes, expected %d", length, side * side * channels);
            g_free(pixels);
            pixels = NULL;
        }
    }
    g_object_unref(image);
    return pixels;
}
