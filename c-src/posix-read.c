/* posix-read --name N
 * shm_open(N) without O_CREAT and print its first 26 bytes; exit 10 with
 * ENOENT when the object is gone. */
#include "common.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv) {
    program_name = "posix-read";
    const char *name = opt(argc, argv, "--name", NULL);
    if (!name) usage("--name N");

    int fd = shm_open(name, O_RDONLY, 0);
    if (fd < 0) fail(EXIT_LOOKUP, "shm_open");
    const char *mem = mmap(NULL, ALPHABET_LEN, PROT_READ, MAP_SHARED, fd, 0);
    if (mem == MAP_FAILED) fail(EXIT_MAP, "mmap");
    close(fd);
    print_bytes(mem);
    return 0;
}
