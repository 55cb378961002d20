/* sem-write --key K [--value N] [--nsems 1] [--mode 0600]
 * Creates (or opens) the System V semaphore set K with NSEMS semaphores and
 * sets semaphore 0 to N (default 42) with semctl(SETVAL). */
#include "common.h"

#include <limits.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/sem.h>

union semun { int val; struct semid_ds *buf; unsigned short *array; }; /* the caller defines it */

int main(int argc, char **argv) {
    program_name = "sem-write";
    const char *key_text = opt(argc, argv, "--key", NULL);
    if (!key_text) usage("--key K [--value N] [--nsems 1] [--mode 0600]");
    key_t key = parse_key(key_text);
    unsigned long long value = parse_size(opt(argc, argv, "--value", "42"));
    unsigned long long nsems = parse_size(opt(argc, argv, "--nsems", "1"));
    unsigned mode = parse_mode(opt(argc, argv, "--mode", "0600"));
    /* Range checks (SEMVMX 32767, kernel.sem's SEMMSL) are the kernel's: ERANGE, EINVAL. */
    if (value > INT_MAX || nsems > INT_MAX) usage("--key K [--value N] [--nsems 1] [--mode 0600]");

    int id = semget(key, (int)nsems, IPC_CREAT | (int)mode);
    if (id < 0) fail(EXIT_LOOKUP, "semget");
    union semun arg = {.val = (int)value};
    if (semctl(id, 0, SETVAL, arg) < 0) fail(EXIT_SIZE, "semctl(SETVAL)");
    printf("wrote semaphore set key=%d semid=%d value=%d\n", (int)key, id, (int)value);
    return 0;
}
