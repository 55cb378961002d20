/* fill --path P --size BYTES [--mmap] [--unlink]
 * Creates (truncating) the file P and writes BYTES bytes of 'x' into it with
 * write() in 1 MiB chunks, or with --mmap by ftruncate, mmap and memset. How
 * a write past a full tmpfs (a 64 MiB /dev/shm) shows itself: write() fails
 * with ENOSPC (exit 12); a store into the mapping raises SIGBUS, reported as
 * "fill: memset: SIGBUS (the file system is full)" (exit 14). On either, stdout
 * says how many bytes went in first. --unlink removes P's name once it is open:
 * its pages live only as long as the program, so a killed writer leaves none. */
#define _GNU_SOURCE
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CHUNK (1 << 20)

static char chunk[CHUNK];
static sigjmp_buf on_full;

static void on_sigbus(int sig) {
    (void)sig;
    siglongjmp(on_full, 1);
}

static void report_partial(unsigned long long done, unsigned long long size, const char *path) {
    int err = errno;
    printf("wrote %llu of %llu bytes into %s\n", done, size, path);
    fflush(stdout);
    errno = err;
}

int main(int argc, char **argv) {
    program_name = "fill";
    const char *path = opt(argc, argv, "--path", NULL);
    const char *size_text = opt(argc, argv, "--size", NULL);
    if (!path || !size_text) usage("--path P --size BYTES [--mmap] [--unlink]");
    unsigned long long size = parse_size(size_text);
    int use_mmap = flag(argc, argv, "--mmap");

    int fd = open(path, (use_mmap ? O_RDWR : O_WRONLY) | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) fail(EXIT_LOOKUP, "open");
    if (flag(argc, argv, "--unlink") && unlink(path) < 0) fail(EXIT_LOOKUP, "unlink");

    if (!use_mmap) {
        memset(chunk, 'x', sizeof chunk);
        unsigned long long done = 0;
        while (done < size) {
            size_t want = size - done < CHUNK ? (size_t)(size - done) : CHUNK;
            ssize_t n = write(fd, chunk, want);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                report_partial(done, size, path);
                fail(EXIT_SIZE, "write");
            }
            done += (unsigned long long)n; /* a short write is followed by the failing one */
        }
        if (close(fd) < 0) fail(EXIT_SIZE, "close");
    } else if (size > 0) {
        if (ftruncate(fd, (off_t)size) < 0) fail(EXIT_SIZE, "ftruncate");
        char *mem = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (mem == MAP_FAILED) fail(EXIT_MAP, "mmap");
        close(fd);
        struct sigaction bus = {0};
        bus.sa_handler = on_sigbus;
        sigemptyset(&bus.sa_mask);
        sigaction(SIGBUS, &bus, NULL);
        volatile unsigned long long done = 0; /* volatile: read after siglongjmp */
        if (sigsetjmp(on_full, 1)) {
            report_partial(done, size, path);
            fprintf(stderr, "fill: memset: SIGBUS (the file system is full)\n");
            return EXIT_SIGBUS;
        }
        size_t page = (size_t)sysconf(_SC_PAGESIZE); /* page by page, so done is exact to a page */
        while (done < size) {
            size_t want = size - done < page ? (size_t)(size - done) : page;
            memset(mem + done, 'x', want);
            done += want;
        }
        signal(SIGBUS, SIG_DFL);
        munmap(mem, (size_t)size);
    }
    printf("filled %s with %llu bytes\n", path, size);
    return 0;
}
