/* sem-read --key K
 * Opens the existing System V semaphore set K (never creates it) and prints
 * semaphore 0 as "value=N". Exit 10 with ENOENT when the set is gone. */
#include "common.h"

#include <stdio.h>
#include <sys/ipc.h>
#include <sys/sem.h>

int main(int argc, char **argv) {
    program_name = "sem-read";
    const char *key_text = opt(argc, argv, "--key", NULL);
    if (!key_text) usage("--key K");
    key_t key = parse_key(key_text);

    int id = semget(key, 0, 0);
    if (id < 0) fail(EXIT_LOOKUP, "semget");
    int value = semctl(id, 0, GETVAL);
    if (value < 0) fail(EXIT_MAP, "semctl(GETVAL)");
    printf("value=%d\n", value);
    return 0;
}
