#ifndef SWIFTASGI_CHIREDIS_SHIM_H
#define SWIFTASGI_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#endif
