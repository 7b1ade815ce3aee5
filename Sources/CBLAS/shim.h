// OpenBLAS's CBLAS interface plus its extensions (thread count, core name).
#include <cblas.h>
