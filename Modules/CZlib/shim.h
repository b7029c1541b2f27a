#ifndef SWIFTASGI_CZLIB_SHIM_H
#define SWIFTASGI_CZLIB_SHIM_H
#include <zlib.h>

/* deflateInit2 and inflateInit2 are macros (they pass the library version and struct size),
   which Swift does not import. */
static inline int swiftasgi_deflate_init2(z_streamp stream, int level, int window_bits, int mem_level) {
    return deflateInit2(stream, level, Z_DEFLATED, window_bits, mem_level, Z_DEFAULT_STRATEGY);
}
static inline int swiftasgi_inflate_init2(z_streamp stream, int window_bits) {
    return inflateInit2(stream, window_bits);
}
#endif
