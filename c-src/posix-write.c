/* posix-write --name N [--size S] [--fill]
 * shm_open(N) in /dev/shm, ftruncate to S, map it and store 'a'..'z'.
 * --fill touches every page up to S, which is how a write past the tmpfs
 * size shows itself (SIGBUS, reported on stderr before the signal kills us). */
#define _GNU_SOURCE
#include "common.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static volatile size_t touched;

static void on_sigbus(int sig) {
    char msg[160];
    int n = snprintf(msg, sizeof msg, "posix-write: SIGBUS after writing %zu bytes (tmpfs full)\n", (size_t)touched);
    write(2, msg, (size_t)n);
    signal(sig, SIG_DFL);
    raise(sig); /* die of the real signal so the exit status tells it */
}

int main(int argc, char **argv) {
    program_name = "posix-write";
    const char *name = opt(argc, argv, "--name", NULL);
    if (!name) usage("--name N [--size S] [--fill]");
    size_t size = (size_t)parse_size(opt(argc, argv, "--size", "27"));

    int fd = shm_open(name, O_RDWR | O_CREAT, 0644);
    if (fd < 0) fail(EXIT_LOOKUP, "shm_open");
    if (ftruncate(fd, (off_t)size) < 0) fail(EXIT_SIZE, "ftruncate");
    char *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (mem == MAP_FAILED) fail(EXIT_MAP, "mmap");
    close(fd);
    signal(SIGBUS, on_sigbus);
    fill_alphabet(mem);
    if (flag(argc, argv, "--fill")) {
        long page = sysconf(_SC_PAGESIZE);
        for (size_t off = 0; off < size; off += (size_t)page) {
            mem[off] = 'x';
            touched = off + (size_t)page;
        }
        fill_alphabet(mem);
    }
    munmap(mem, size);
    printf("wrote /dev/shm%s size=%zu%s\n", name, size, flag(argc, argv, "--fill") ? " (every page touched)" : "");
    return 0;
}
