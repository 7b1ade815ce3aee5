// Decoding any image libvips reads into a square training sample: orientation, colour space,
// alpha, resize and centre crop in one call (the policy is documented in Imaging/ImageDecoder.swift).
// Ownership as in vips_shim.h: the returned buffer is the caller's, released with kac_buffer_free.
#ifndef KAC_DECODE_SHIM_H
#define KAC_DECODE_SHIM_H
#include <stddef.h>

/// Loads `path` (truncated or damaged files fail), applies its EXIF orientation, converts it to
/// 8-bit sRGB (`channels` 3) or 8-bit grey (`channels` 1), flattens alpha onto `background`
/// (0…255, every band), resizes so the shorter side is `side` (Lanczos-3; untouched when it
/// already is) and crops the centre `side` × `side`. Returns [side, side, channels] bytes, or NULL
/// on error (see kac_vips_error). *source_width and *source_height receive the file's size.
/// Files that declare more than `max_pixels` pixels (width × height, from the header, before any
/// pixel is decoded) fail without being decoded; 0 means no limit.
void *kac_decode_square(const char *path, int side, int channels, int background, long long max_pixels,
                        int *source_width, int *source_height);

/// The same for an encoded image held in memory (`length` bytes at `data`, which must stay valid
/// until the call returns); `name` is used in error messages.
void *kac_decode_square_buffer(const void *data, size_t length, const char *name, int side, int channels,
                               int background, long long max_pixels, int *source_width, int *source_height);

#endif
