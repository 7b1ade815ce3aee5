// Thin, non-variadic wrappers over libvips for Swift. No policy lives here: validation, quantisation
// and metadata layout are in the Imaging module. Every function leaves ownership as documented in
// vips_shim.h and never leaves an extra reference behind on failure.
#include "vips_shim.h"
#include <pthread.h>
#include <stdlib.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_result = -1;
static volatile int init_started = 0;

static void init_once(void) {
    init_started = 1;
    init_result = VIPS_INIT("kac");
    // Every operation gets fresh pixels, so the cache could only hold memory, never hit.
    if (init_result == 0) vips_cache_set_max(0);
}

int kac_vips_init(void) {
    pthread_once(&once, init_once);
    return init_result;
}

// libvips 8.14 finds its dynamically loaded modules (Debian 12: heif, jxl, magick, openslide,
// poppler) under $VIPSHOME/lib/vips-modules-8.14, VIPSHOME defaulting to its install prefix, and
// loads them all in vips_init. Pointing VIPSHOME at a directory that does not exist before the
// first init leaves them unloaded; libvips uses the prefix otherwise only to find message
// translations, and itself writes VIPSHOME into the environment during vips_init (so a child of a
// process that started libvips inherits VIPSHOME, and is then left as the parent chose).
int kac_vips_skip_modules(void) {
    if (init_started) return 0;
    const char *home = getenv("VIPSHOME");
    if (home && *home) return 0;
    return setenv("VIPSHOME", "/nonexistent/kac-vips-without-modules", 1) == 0 ? 1 : -1;
}

int kac_vips_modules_loaded(void) {
    if (kac_vips_init() != 0) return -1;
    // heifload, jxlload, magickload, pdfload and openslideload exist only as modules in Debian's build.
    const char *module_operations[] = {"heifload", "jxlload", "magickload", "pdfload", "openslideload"};
    for (size_t i = 0; i < sizeof(module_operations) / sizeof(*module_operations); i++)
        if (vips_type_find("VipsOperation", module_operations[i])) return 1;
    return 0;
}

int kac_vips_set_pipeline_threads(int threads) {
    if (kac_vips_init() != 0) return -1;
    const char *chosen = getenv("VIPS_CONCURRENCY");
    if (!chosen || !*chosen) vips_concurrency_set(threads);
    return 0;
}

int kac_vips_pipeline_threads(void) { return vips_concurrency_get(); }

// XXX: libvips keeps one process-wide error buffer; two threads failing at once may see each
// other's text. Messages stay useful (both failures are reported), just possibly merged.
const char *kac_vips_error(void) {
    static __thread char message[1024];
    const char *text = vips_error_buffer();
    snprintf(message, sizeof(message), "%s", text ? text : "");
    vips_error_clear();
    return message;
}

void kac_image_unref(VipsImage *image) {
    if (image) g_object_unref(image);
}

void kac_buffer_free(void *buffer) {
    if (buffer) g_free(buffer);
}

VipsImage *kac_image_from_uchar(const unsigned char *pixels, int width, int height, int bands) {
    size_t size = (size_t)width * (size_t)height * (size_t)bands;
    VipsImage *image = vips_image_new_from_memory_copy(pixels, size, width, height, bands, VIPS_FORMAT_UCHAR);
    if (!image) return NULL;
    image->Type = bands == 1 ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB;
    image->Xres = 1.0; // pixels per millimetre; written as a fixed resolution tag
    image->Yres = 1.0;
    return image;
}

void *kac_image_to_memory(VipsImage *image, size_t *length) {
    return vips_image_write_to_memory(image, length);
}

int kac_image_width(VipsImage *image) { return vips_image_get_width(image); }
int kac_image_height(VipsImage *image) { return vips_image_get_height(image); }
int kac_image_bands(VipsImage *image) { return vips_image_get_bands(image); }
int kac_image_band_format(VipsImage *image) { return (int)vips_image_get_format(image); }
const char *kac_image_interpretation(VipsImage *image) {
    return vips_enum_nick(VIPS_TYPE_INTERPRETATION, (int)vips_image_get_interpretation(image));
}

void kac_image_set_string(VipsImage *image, const char *name, const char *value) {
    vips_image_set_string(image, name, value);
}

void kac_image_set_blob(VipsImage *image, const char *name, const void *data, size_t length) {
    vips_image_set_blob_copy(image, name, data, length);
}

const char *kac_image_get_string(VipsImage *image, const char *name) {
    const char *value = NULL;
    if (!vips_image_get_typeof(image, name)) return NULL;
    if (vips_image_get_string(image, name, &value) != 0) {
        vips_error_clear();
        return NULL;
    }
    return value;
}

const void *kac_image_get_blob(VipsImage *image, const char *name, size_t *length) {
    const void *data = NULL;
    if (!vips_image_get_typeof(image, name)) return NULL;
    if (vips_image_get_blob(image, name, &data, length) != 0) {
        vips_error_clear();
        return NULL;
    }
    return data;
}

char **kac_image_field_names(VipsImage *image) { return vips_image_get_fields(image); }
void kac_strv_free(char **names) { g_strfreev(names); }

int kac_zoom(VipsImage *in, VipsImage **out, int factor) {
    return vips_zoom(in, out, factor, factor, NULL);
}

int kac_resize_lanczos3(VipsImage *in, VipsImage **out, double scale) {
    return vips_resize(in, out, scale, "kernel", VIPS_KERNEL_LANCZOS3, NULL);
}

int kac_text(VipsImage **out, const char *text, const char *font) {
    return vips_text(out, text, "font", font, "dpi", 96, "wrap", VIPS_TEXT_WRAP_NONE, NULL);
}

int kac_pngsave(VipsImage *in, void **buffer, size_t *length, int compression) {
    return vips_pngsave_buffer(in, buffer, length, "compression", compression, NULL);
}

int kac_jpegsave(VipsImage *in, void **buffer, size_t *length, int quality) {
    return vips_jpegsave_buffer(in, buffer, length, "Q", quality, NULL);
}

int kac_webpsave(VipsImage *in, void **buffer, size_t *length, int quality, int lossless) {
    return vips_webpsave_buffer(in, buffer, length, "Q", quality, "lossless", lossless ? TRUE : FALSE, NULL);
}

int kac_tiffsave(VipsImage *in, void **buffer, size_t *length) {
    return vips_tiffsave_buffer(in, buffer, length, "compression", VIPS_FOREIGN_TIFF_COMPRESSION_DEFLATE,
                                "predictor", VIPS_FOREIGN_TIFF_PREDICTOR_HORIZONTAL, NULL);
}

VipsImage *kac_load_file(const char *path) {
    return vips_image_new_from_file(path, NULL);
}

VipsImage *kac_load_buffer(const void *data, size_t length) {
    return vips_image_new_from_buffer(data, length, "", NULL);
}

const char *kac_image_loader(VipsImage *image) {
    return kac_image_get_string(image, "vips-loader");
}
