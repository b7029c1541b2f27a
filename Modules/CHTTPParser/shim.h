#ifndef SWIFTASGI_CHTTPPARSER_SHIM_H
#define SWIFTASGI_CHTTPPARSER_SHIM_H
#include <http_parser.h>

/* HTTP_PARSER_ERRNO is a function-like macro, which Swift does not import. */
static inline enum http_errno swiftasgi_http_errno(const http_parser *p) {
    return (enum http_errno)p->http_errno;
}
#endif
