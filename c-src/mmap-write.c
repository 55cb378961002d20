/* mmap-write --path P [--size N] [--no-sync]
 * Opens (creating) the regular file P, sizes it with ftruncate, maps it
 * MAP_SHARED and stores 'a'..'z'. msync(MS_SYNC) unless --no-sync, which
 * leaves the data only in the page cache (the kill experiment). */
#include "common.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv) {
    program_name = "mmap-write";
    const char *path = opt(argc, argv, "--path", NULL);
    if (!path) usage("--path P [--size N] [--no-sync]");
    size_t size = (size_t)parse_size(opt(argc, argv, "--size", "27"));
    int sync = !flag(argc, argv, "--no-sync");

    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0) fail(EXIT_LOOKUP, "open");
    if (ftruncate(fd, (off_t)size) < 0) fail(EXIT_SIZE, "ftruncate");
    char *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (mem == MAP_FAILED) fail(EXIT_MAP, "mmap");
    close(fd);
    fill_alphabet(mem);
    if (sync && msync(mem, size, MS_SYNC) < 0) fail(EXIT_SIZE, "msync");
    munmap(mem, size);
    printf("wrote %s size=%zu %s\n", path, size, sync ? "msync=yes" : "msync=no");
    return 0;
}
