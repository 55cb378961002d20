/* sysv-read --key K [--size N]
 * Opens the existing System V segment K (never creates it) and prints its
 * first 26 bytes as "a b c ... z". Exit 10 with ENOENT when it is gone. */
#include "common.h"

#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int main(int argc, char **argv) {
    program_name = "sysv-read";
    const char *key_text = opt(argc, argv, "--key", NULL);
    if (!key_text) usage("--key K [--size N]");
    key_t key = (key_t)parse_size(key_text);
    size_t size = (size_t)parse_size(opt(argc, argv, "--size", "27"));

    int id = shmget(key, size, 0666);
    if (id < 0) fail(EXIT_LOOKUP, "shmget");
    const char *mem = shmat(id, NULL, SHM_RDONLY);
    if (mem == (const char *)-1) fail(EXIT_MAP, "shmat");
    print_bytes(mem);
    shmdt(mem);
    return 0;
}
