/* mmap-read --path P
 * Maps the existing file P read-only and prints its first 26 bytes.
 * Exit 10 with ENOENT when the file is gone. */
#include "common.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
    program_name = "mmap-read";
    const char *path = opt(argc, argv, "--path", NULL);
    if (!path) usage("--path P");

    int fd = open(path, O_RDONLY);
    if (fd < 0) fail(EXIT_LOOKUP, "open");
    struct stat st;
    if (fstat(fd, &st) < 0) fail(EXIT_LOOKUP, "fstat");
    if (st.st_size < ALPHABET_LEN) {
        fprintf(stderr, "mmap-read: %s holds %lld bytes, fewer than %d\n", path, (long long)st.st_size, ALPHABET_LEN);
        return EXIT_SIZE;
    }
    const char *mem = mmap(NULL, ALPHABET_LEN, PROT_READ, MAP_SHARED, fd, 0);
    if (mem == MAP_FAILED) fail(EXIT_MAP, "mmap");
    close(fd);
    print_bytes(mem);
    munmap((void *)mem, ALPHABET_LEN);
    return 0;
}
