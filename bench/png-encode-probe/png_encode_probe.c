// What one 28×28 PNG costs to encode through libvips, and how much of that is libvips' own
// machinery against libpng + zlib underneath: CPU time per image (the calling thread and the whole
// process, whose difference is libvips' pipeline threads) for vips_pngsave_buffer with no metadata,
// with Kac's eleven provenance fields as eleven png-comment fields (one zTXt chunk each, as libvips
// 8.14 writes them), and with the same text as one field; at zlib compression 0, 1 and 6. Beside
// it, the same PNGs written by libpng alone into memory (zTXt and tEXt), and zlib alone.
//
// Build and run (needs libvips-dev; renders use one libvips worker thread, so the probe does too):
//
//     bench/png-encode-probe/run.sh [ENCODES] [ROUNDS]
//
// or by hand:
//
//     cc -O2 -o /tmp/png_encode_probe bench/png-encode-probe/png_encode_probe.c $(pkg-config --cflags --libs vips libpng zlib)
//     /tmp/png_encode_probe 4000 3
//
// Each case runs ENCODES encodes per round, the cases alternating round by round; it prints the
// smallest per-image figure over the rounds (CPU time is steady on a shared machine; the wall
// clock is not). Run it in a raised-autogroup shell for quiet wall-clock figures.
#include <png.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vips/vips.h>
#include <zlib.h>

enum { SIDE = 28, FIELDS = 11, CASES_MAX = 32 };

// Kac's provenance for one student-1 image, as RenderPlan.metadata writes it (keys in order).
static const char *keys[FIELDS] = {"model", "model-version", "model-digest", "seed", "index", "label",
                                   "sampler", "steps", "guidance", "precision", "software"};
static const char *values[FIELDS] = {
    "fashion-mnist/student-1", "3",
    "sha256-ae11382c8724b12e5f7c98c13518cc39f4e9a93a41ba486708e22b688bfac0db", "7", "123", "sneaker",
    "euler", "1", "1.0", "bf16", "kac 0.2.0"};

static unsigned char pixels[SIDE * SIDE];
static char lines[2048];  // the eleven fields as "key=value" lines, the one-field form

static double seconds(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

// A Fashion-MNIST-like image: a dark background and a noisy bright blob, so zlib has real work.
static void make_pixels(void) {
    unsigned state = 12345;
    for (int y = 0; y < SIDE; y++)
        for (int x = 0; x < SIDE; x++) {
            state = state * 1103515245u + 12345u;
            int dx = x - SIDE / 2, dy = y - SIDE / 2;
            int inside = dx * dx / 2 + dy * dy < 110;
            pixels[y * SIDE + x] = (unsigned char)(inside ? 120 + (state >> 24) % 130 : (state >> 24) % 6);
        }
    size_t used = 0;
    for (int i = 0; i < FIELDS; i++)
        used += (size_t)snprintf(lines + used, sizeof(lines) - used, "%s%s=%s", i ? "\n" : "", keys[i], values[i]);
}

typedef enum { META_NONE, META_FIELDS, META_ONE } Metadata;
static const char *meta_name[] = {"none", "11 fields", "1 field"};

// --- libvips ---------------------------------------------------------------------------------

// The renderer's image: a copy of the pixels with the fields attached.
static VipsImage *new_image(Metadata meta) {
    VipsImage *image = vips_image_new_from_memory_copy(pixels, sizeof(pixels), SIDE, SIDE, 1, VIPS_FORMAT_UCHAR);
    image->Type = VIPS_INTERPRETATION_B_W;
    image->Xres = image->Yres = 1.0;
    char name[128];
    if (meta == META_FIELDS)
        for (int i = 0; i < FIELDS; i++) {
            snprintf(name, sizeof(name), "png-comment-%d-%s", i, keys[i]);
            vips_image_set_string(image, name, values[i]);
        }
    else if (meta == META_ONE)
        vips_image_set_string(image, "png-comment-0-kac-provenance", lines);
    return image;
}

static size_t vips_encode(Metadata meta, int compression) {
    // The renderer's path: the image, pngsave to a buffer.
    VipsImage *image = new_image(meta);
    void *buffer = NULL;
    size_t length = 0;
    if (vips_pngsave_buffer(image, &buffer, &length, "compression", compression, NULL) != 0) {
        fprintf(stderr, "pngsave: %s\n", vips_error_buffer());
        exit(1);
    }
    g_free(buffer);
    g_object_unref(image);
    return length;
}

// Only building and freeing the image with its fields: the part of vips_encode that is not the save.
static size_t vips_image_only(Metadata meta, int compression) {
    (void)compression;
    g_object_unref(new_image(meta));
    return 0;
}

// --- libpng alone ----------------------------------------------------------------------------

typedef struct { unsigned char *data; size_t length, capacity; } Memory;

static void memory_write(png_structp png, png_bytep data, png_size_t length) {
    Memory *memory = png_get_io_ptr(png);
    if (memory->length + length > memory->capacity) {
        memory->capacity = (memory->length + length) * 2;
        memory->data = realloc(memory->data, memory->capacity);
    }
    memcpy(memory->data + memory->length, data, length);
    memory->length += length;
}

static void memory_flush(png_structp png) { (void)png; }

// libpng as libvips 8.14 drives it (vipspng.c write_vips): grey 8-bit, the given zlib level, no
// row filter (libvips' default), a pHYs chunk, text chunks compressed (zTXt) or not (tEXt). Its
// zTXt files have the bytes of libvips' own (the sizes printed match).
static size_t libpng_encode(Metadata meta, int compression, int compressed_text) {
    Memory memory = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        fprintf(stderr, "libpng failed\n");
        exit(1);
    }
    png_set_write_fn(png, &memory, memory_write, memory_flush);
    png_set_compression_level(png, compression);
    png_set_filter(png, 0, PNG_FILTER_NONE);
    png_set_IHDR(png, info, SIDE, SIDE, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_set_pHYs(png, info, 1000, 1000, PNG_RESOLUTION_METER);
    png_text text[FIELDS];
    int count = 0;
    if (meta == META_FIELDS)
        for (; count < FIELDS; count++)
            text[count] = (png_text){.compression = compressed_text ? PNG_TEXT_COMPRESSION_zTXt : PNG_TEXT_COMPRESSION_NONE,
                                     .key = (char *)keys[count], .text = (char *)values[count],
                                     .text_length = strlen(values[count])};
    else if (meta == META_ONE)
        text[count++] = (png_text){.compression = compressed_text ? PNG_TEXT_COMPRESSION_zTXt : PNG_TEXT_COMPRESSION_NONE,
                                   .key = "kac-provenance", .text = lines, .text_length = strlen(lines)};
    if (count) png_set_text(png, info, text, count);
    png_write_info(png, info);
    for (int y = 0; y < SIDE; y++) png_write_row(png, pixels + y * SIDE);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    size_t length = memory.length;
    free(memory.data);
    return length;
}

static size_t libpng_ztxt(Metadata meta, int compression) { return libpng_encode(meta, compression, 1); }
static size_t libpng_text(Metadata meta, int compression) { return libpng_encode(meta, compression, 0); }

// --- zlib alone: the IDAT stream's deflate (filter byte + row, 28 rows) ----------------------

static size_t zlib_only(Metadata meta, int compression) {
    (void)meta;
    unsigned char raw[SIDE * (SIDE + 1)], out[2048];
    for (int y = 0; y < SIDE; y++) {
        raw[y * (SIDE + 1)] = 0;
        memcpy(raw + y * (SIDE + 1) + 1, pixels + y * SIDE, SIDE);
    }
    uLongf length = sizeof(out);
    compress2(out, &length, raw, sizeof(raw), compression);
    return length;
}

// --- the runs --------------------------------------------------------------------------------

typedef size_t (*Encoder)(Metadata, int);
typedef struct {
    const char *encoder;
    Encoder encode;
    Metadata meta;
    int compression;
    double best_thread_us, best_process_us, best_wall_us;
    size_t bytes;
} Case;

static Case cases[CASES_MAX];
static int case_count;

static void add(const char *encoder, Encoder encode, Metadata meta, int compression) {
    cases[case_count++] = (Case){encoder, encode, meta, compression, 1e9, 1e9, 1e9, 0};
}

int main(int argc, char **argv) {
    int encodes = argc > 1 ? atoi(argv[1]) : 2000;
    int rounds = argc > 2 ? atoi(argv[2]) : 3;
    if (VIPS_INIT("png_encode_probe")) vips_error_exit(NULL);
    vips_cache_set_max(0);  // as Kac does: every save gets fresh pixels
    const char *chosen = getenv("VIPS_CONCURRENCY");
    if (!chosen || !*chosen) vips_concurrency_set(1);  // as renders do (PipelineThreads)
    make_pixels();

    int levels[] = {0, 1, 6};
    for (int l = 0; l < 3; l++)
        for (int m = 0; m < 3; m++) add("vips_pngsave_buffer", vips_encode, (Metadata)m, levels[l]);
    for (int m = 0; m < 3; m++) add("vips image+fields only", vips_image_only, (Metadata)m, 6);
    for (int l = 0; l < 3; l++)
        for (int m = 0; m < 3; m++) add("libpng zTXt", libpng_ztxt, (Metadata)m, levels[l]);
    for (int m = 1; m < 3; m++) add("libpng tEXt", libpng_text, (Metadata)m, 6);
    for (int l = 0; l < 3; l++) add("zlib compress2 (IDAT)", zlib_only, META_NONE, levels[l]);

    for (int c = 0; c < case_count; c++) cases[c].bytes = cases[c].encode(cases[c].meta, cases[c].compression);  // warm-up
    for (int round = 0; round < rounds; round++)
        for (int c = 0; c < case_count; c++) {
            Case *k = &cases[c];
            double wall = seconds(CLOCK_MONOTONIC), thread = seconds(CLOCK_THREAD_CPUTIME_ID),
                   process = seconds(CLOCK_PROCESS_CPUTIME_ID);
            for (int i = 0; i < encodes; i++) k->encode(k->meta, k->compression);
            double t = (seconds(CLOCK_THREAD_CPUTIME_ID) - thread) / encodes * 1e6;
            double p = (seconds(CLOCK_PROCESS_CPUTIME_ID) - process) / encodes * 1e6;
            double w = (seconds(CLOCK_MONOTONIC) - wall) / encodes * 1e6;
            if (p < k->best_process_us) k->best_process_us = p, k->best_thread_us = t;
            if (w < k->best_wall_us) k->best_wall_us = w;
        }

    printf("libvips %s, libpng %s, zlib %s; vips concurrency %d; %d encodes x %d rounds, best round\n",
           vips_version_string(), PNG_LIBPNG_VER_STRING, zlibVersion(), vips_concurrency_get(), encodes, rounds);
    printf("%-24s %-10s %5s %7s %12s %12s %14s %9s\n", "encoder", "metadata", "level", "bytes", "caller µs",
           "process µs", "other thr. µs", "wall µs");
    for (int c = 0; c < case_count; c++) {
        Case *k = &cases[c];
        printf("%-24s %-10s %5d %7zu %12.1f %12.1f %14.1f %9.1f\n", k->encoder, meta_name[k->meta], k->compression,
               k->bytes, k->best_thread_us, k->best_process_us, k->best_process_us - k->best_thread_us, k->best_wall_us);
    }
    printf("caller: CPU time of the calling thread per image; process: all threads (caller + libvips' pipeline\n"
           "threads); other thr.: their difference. bytes: the PNG's size (zlib: the IDAT stream's).\n");
    vips_shutdown();
    return 0;
}
