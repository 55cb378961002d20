/* sysv-write --key K [--size N] [--remove]
 * Creates (or opens) the System V segment K, attaches it and stores 'a'..'z'.
 * --remove marks it for removal afterwards: a probe that must leave nothing. */
#include "common.h"

#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int main(int argc, char **argv) {
    program_name = "sysv-write";
    const char *key_text = opt(argc, argv, "--key", NULL);
    if (!key_text) usage("--key K [--size N] [--remove]");
    key_t key = (key_t)parse_size(key_text);
    size_t size = (size_t)parse_size(opt(argc, argv, "--size", "27"));

    int id = shmget(key, size, IPC_CREAT | 0666);
    if (id < 0) fail(EXIT_LOOKUP, "shmget");
    char *mem = shmat(id, NULL, 0);
    if (mem == (char *)-1) fail(EXIT_MAP, "shmat");
    if (size >= ALPHABET_LEN) fill_alphabet(mem);
    shmdt(mem);
    if (flag(argc, argv, "--remove") && shmctl(id, IPC_RMID, NULL) < 0) fail(EXIT_SIZE, "shmctl(IPC_RMID)");
    printf("wrote segment key=%d shmid=%d size=%zu%s\n", (int)key, id, size,
           flag(argc, argv, "--remove") ? " (removed)" : "");
    return 0;
}
