// Non-variadic wrappers around the libvips calls the Imaging module uses.
// Swift cannot call C variadic functions, so every vips_* call with optional arguments lives here.
#ifndef KAC_VIPS_SHIM_H
#define KAC_VIPS_SHIM_H
#include <vips/vips.h>

/// Initialises libvips once per process; returns 0 on success.
int kac_vips_init(void);

/// The last libvips error message (and clears it); never NULL.
const char *kac_vips_error(void);

#endif
