/* sysv-stat --key K
 * Prints "key=K shmid=ID nattch=N size=S" for the existing System V segment K
 * (shmctl IPC_STAT; never creates it). Exit 10 with ENOENT when it is gone, as
 * an unattached segment is when its creator exits under kernel.shm_rmid_forced=1. */
#include "common.h"

#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int main(int argc, char **argv) {
    program_name = "sysv-stat";
    const char *key_text = opt(argc, argv, "--key", NULL);
    if (!key_text) usage("--key K");
    key_t key = parse_key(key_text);

    int id = shmget(key, 0, 0);
    if (id < 0) fail(EXIT_LOOKUP, "shmget");
    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds) < 0) fail(EXIT_MAP, "shmctl(IPC_STAT)");
    printf("key=%d shmid=%d nattch=%lu size=%zu\n", (int)key, id, (unsigned long)ds.shm_nattch, (size_t)ds.shm_segsz);
    return 0;
}
