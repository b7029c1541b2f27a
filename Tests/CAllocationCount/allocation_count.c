#include "CAllocationCount.h"

#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define ALLOCATION_COUNT_OFF 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ALLOCATION_COUNT_OFF 1
#endif

#ifdef ALLOCATION_COUNT_OFF

int allocation_count_available(void) { return 0; }
void allocation_count_this_thread(int on) { (void)on; }
unsigned long long allocation_count_total(void) { return 0; }

#else

// glibc's allocator under its internal names: what malloc and the others call here.
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void *__libc_valloc(size_t size);
extern void *__libc_pvalloc(size_t size);

// Initial-exec: the thread's flag is read without a call that could itself allocate.
static __thread int counted __attribute__((tls_model("initial-exec")));
static _Atomic unsigned long long total;

static inline void note(void) {
    if (counted) atomic_fetch_add_explicit(&total, 1, memory_order_relaxed);
}

int allocation_count_available(void) { return 1; }
void allocation_count_this_thread(int on) { counted = on; }
unsigned long long allocation_count_total(void) { return atomic_load_explicit(&total, memory_order_relaxed); }

void *malloc(size_t size) {
    note();
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    note();
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    note();
    return __libc_realloc(pointer, size);
}

void *memalign(size_t alignment, size_t size) {
    note();
    return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    note();
    return __libc_memalign(alignment, size);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
    // POSIX: a power of two and a multiple of sizeof(void *), else EINVAL and nothing allocated.
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
    note();
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL) return ENOMEM;
    *result = pointer;
    return 0;
}

void *valloc(size_t size) {
    note();
    return __libc_valloc(size);
}

void *pvalloc(size_t size) {
    note();
    return __libc_pvalloc(size);
}

#endif
