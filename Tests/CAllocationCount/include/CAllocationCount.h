#ifndef C_ALLOCATION_COUNT_H
#define C_ALLOCATION_COUNT_H

// Counts heap allocations made on chosen threads of the test process: the tests' way to pin how
// many allocations the server makes per request. malloc, calloc, realloc, memalign,
// aligned_alloc, posix_memalign, valloc and pvalloc of this process are defined here and
// forward to glibc's own implementation; a call on a thread that asked to be counted adds one.
//
// Not in sanitizer builds: AddressSanitizer and ThreadSanitizer replace the allocator
// themselves, and a second definition would bypass theirs. There, counting is unavailable and
// the tests that need it are skipped.

// 1 when the allocation functions are counted in this build, 0 when not (a sanitizer build).
int allocation_count_available(void);

// Counts (1) or stops counting (0) the allocations of the calling thread.
void allocation_count_this_thread(int on);

// Allocations made so far on counted threads, all of them together.
unsigned long long allocation_count_total(void);

#endif
