/*
 * exclusive-segment: a program of the user's that, at every start, creates its System V segment exclusively
 * (shmget with IPC_CREAT | IPC_EXCL), as a program does that wants no one else's segment under its key: it fails
 * when a segment with that key is already there, its own from an earlier start included.
 *
 *   exclusive-segment --create [--key K]   create the segment (it must not exist) and write a header in it
 *   exclusive-segment --check  [--key K]   say whether the segment is there, and what it holds
 *
 * Exit codes: 0 created / there; 1 not there; 2 a segment with the key is already there (--create); 3 another
 * failure; 64 usage. Built static by shmlab (cc -static), like its own programs: the images have no C library.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#define SIZE 4096
#define HEADER "exclusive-segment: written at its first start\n"

static int usage(void) {
    fprintf(stderr, "usage: exclusive-segment --create|--check [--key KEY]\n");
    return 64;
}

static int create(key_t key) {
    int id = shmget(key, SIZE, IPC_CREAT | IPC_EXCL | 0600);
    if (id < 0 && errno == EEXIST) {
        fprintf(stderr, "shmget(IPC_CREAT | IPC_EXCL): EEXIST: segment %ld is already there (shmid %d)\n", (long)key, shmget(key, 0, 0));
        return 2;
    }
    if (id < 0) {
        fprintf(stderr, "shmget: %s\n", strerror(errno));
        return 3;
    }
    char *mem = shmat(id, NULL, 0);
    if (mem == (char *)-1) {
        fprintf(stderr, "shmat: %s\n", strerror(errno));
        return 3;
    }
    memcpy(mem, HEADER, sizeof HEADER);
    shmdt(mem);
    printf("created segment %ld (shmid %d)\n", (long)key, id);
    return 0;
}

static int check(key_t key) {
    int id = shmget(key, 0, 0);
    if (id < 0 && errno == ENOENT) {
        printf("no segment %ld\n", (long)key);
        return 1;
    }
    if (id < 0) {
        fprintf(stderr, "shmget: %s\n", strerror(errno));
        return 3;
    }
    const char *mem = shmat(id, NULL, SHM_RDONLY);
    if (mem == (const char *)-1) {
        fprintf(stderr, "shmat: %s\n", strerror(errno));
        return 3;
    }
    printf("segment %ld is there: %.*s", (long)key, (int)strnlen(mem, SIZE - 1), mem);
    shmdt(mem);
    return 0;
}

int main(int argc, char **argv) {
    key_t key = 5432001;
    const char *mode = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--create") == 0 || strcmp(argv[i], "--check") == 0) mode = argv[i];
        else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc) key = (key_t)strtol(argv[++i], NULL, 10);
        else return usage();
    }
    if (!mode) return usage();
    return strcmp(mode, "--create") == 0 ? create(key) : check(key);
}
