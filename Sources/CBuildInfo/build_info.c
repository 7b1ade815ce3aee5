// See include/build_info.h. KAC_COMMIT, when defined, is a C string literal.
#include "build_info.h"

const char *kac_build_commit(void) {
#ifdef KAC_COMMIT
    return KAC_COMMIT;
#else
    return "unknown";
#endif
}
