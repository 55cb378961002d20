/* Shared helpers for shmlab's probe programs.
 *
 * Exit codes (every program):
 *   0   success
 *   64  usage error (bad or missing argument)
 *   10  the object could not be found or created (shmget, semget, msgget,
 *       open, shm_open, mq_open)
 *   11  it could not be attached, mapped or read (shmat, mmap, shmctl(IPC_STAT),
 *       semctl(GETVAL), msgrcv, mq_receive other than "empty")
 *   12  it could not be sized, set or written (ftruncate, msync, shmctl(IPC_RMID),
 *       semctl(SETVAL), msgsnd, mq_send, write: ENOSPC)
 *   13  the queue exists but holds no message (msgrcv: ENOMSG, mq_receive: EAGAIN)
 *   14  SIGBUS while touching a mapping: the file system behind it is full
 *       (stderr: "<program>: memset: SIGBUS (the file system is full)")
 * Errors go to stderr as "<program>: <call>: <ERRNO NAME> (<message>)" so the
 * harness can match the errno by name. */
#ifndef SHMLAB_COMMON_H
#define SHMLAB_COMMON_H

#include <stddef.h>

enum { EXIT_USAGE = 64, EXIT_LOOKUP = 10, EXIT_MAP = 11, EXIT_SIZE = 12, EXIT_EMPTY = 13, EXIT_SIGBUS = 14 };

/* The bytes every writer stores and every reader expects: 'a'..'z'. */
#define ALPHABET_LEN 26

extern const char *program_name;

void fail(int code, const char *call) __attribute__((noreturn));
void usage(const char *synopsis) __attribute__((noreturn));

/* Parses "--name value" pairs; returns the value or fallback. */
const char *opt(int argc, char **argv, const char *name, const char *fallback);
int flag(int argc, char **argv, const char *name);
unsigned long long parse_size(const char *text);
/* A System V key (decimal, 0x hex or 0 octal; negative as sysv-write prints it). Key 0
 * is IPC_PRIVATE, which always makes a new object, so it is a usage error. */
int parse_key(const char *text);
/* Permission bits for a new IPC object, always read as octal ("600" = 0600), at most 0777. */
unsigned parse_mode(const char *text);

void fill_alphabet(char *dst);
/* Prints the first ALPHABET_LEN bytes as "a b c ... z", '.' for unprintable. */
void print_bytes(const char *src);

#endif
