/* Shared helpers for shmlab's probe programs.
 *
 * Exit codes (every program):
 *   0   success
 *   64  usage error (bad or missing argument)
 *   10  the object could not be found or created (shmget, open, shm_open)
 *   11  it could not be attached or mapped (shmat, mmap)
 *   12  it could not be sized or written back (ftruncate, msync, shmctl)
 * Errors go to stderr as "<program>: <call>: <ERRNO NAME> (<message>)" so the
 * harness can match the errno by name. */
#ifndef SHMLAB_COMMON_H
#define SHMLAB_COMMON_H

#include <stddef.h>

enum { EXIT_USAGE = 64, EXIT_LOOKUP = 10, EXIT_MAP = 11, EXIT_SIZE = 12 };

/* The bytes every writer stores and every reader expects: 'a'..'z'. */
#define ALPHABET_LEN 26

extern const char *program_name;

void fail(int code, const char *call) __attribute__((noreturn));
void usage(const char *synopsis) __attribute__((noreturn));

/* Parses "--name value" pairs; returns the value or fallback. */
const char *opt(int argc, char **argv, const char *name, const char *fallback);
int flag(int argc, char **argv, const char *name);
unsigned long long parse_size(const char *text);

void fill_alphabet(char *dst);
/* Prints the first ALPHABET_LEN bytes as "a b c ... z", '.' for unprintable. */
void print_bytes(const char *src);

#endif
