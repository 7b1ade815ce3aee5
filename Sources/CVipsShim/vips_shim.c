#include "vips_shim.h"
#include <pthread.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_result = -1;

static void init_once(void) { init_result = VIPS_INIT("kac"); }

int kac_vips_init(void) {
    pthread_once(&once, init_once);
    return init_result;
}

const char *kac_vips_error(void) {
    static __thread char message[1024];
    const char *text = vips_error_buffer();
    snprintf(message, sizeof(message), "%s", text ? text : "");
    vips_error_clear();
    return message;
}
