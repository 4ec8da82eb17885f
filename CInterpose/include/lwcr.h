/* lwcr.h: a program's own launch requirements, for C, C++, Rust and Go.
 *
 * Link with -llwcr (liblwcr.so). Linking it also makes every other launch
 * the program makes (execve, posix_spawn, system, popen...) go through
 * lwcr's gate, judged by the policy in force (the system layer,
 * /etc/lwcr/policy.d, and LWCR_POLICY), exactly as under LD_PRELOAD.
 *
 * A requirement is the facts of one policy `require` rule (lwcr.policy(5)):
 * "sha256=HEX", "signed-by=acme trusted-path", "sha256=A | sha256=B",
 * "!owner=nobody", "sealed" to run a sealed copy. It is judged of the very
 * file the launch opens, whatever that file is called, and that
 * descriptor is what the kernel executes; a script's interpreter and an
 * ELF interpreter are judged by the policy in force only.
 *
 * SIGNERS: NULL, or lines "NAME KEYTYPE BASE64" (the words after `signer`
 * in a policy file; `cut -d' ' -f1,2 key.pub` gives KEYTYPE BASE64), for
 * the names signed-by= uses.
 *
 * WHY: NULL, or a buffer that receives one NUL-terminated line saying why
 * a call failed: the denial as lwcr logs it ("lwcr: deny PATH: sha256
 * mismatch [requirement:1]") or the requirement's parse error. */
#ifndef LWCR_H
#define LWCR_H
#include <spawn.h>
#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* posix_spawn(3), with REQUIREMENT judged of PATH's file. Returns 0 and
 * sets *PID, or an errno: EACCES when the requirement (or the policy in
 * force) refuses the file, in which case nothing ran; EINVAL when
 * REQUIREMENT or SIGNERS does not parse (a newline, NUL or '#' in
 * REQUIREMENT is refused); EFAULT when PATH or REQUIREMENT is NULL; the
 * errors of posix_spawn. The requirement judges the file, not the name:
 * symlinks are followed, so trusted-path alone says nothing of the
 * directory PATH is in (README "In your own program"). */
int lwcr_spawn_required(pid_t *pid, const char *path, const posix_spawn_file_actions_t *file_actions,
                        const posix_spawnattr_t *attrp, char *const argv[], char *const envp[],
                        const char *requirement, const char *signers, char *why, size_t why_size);

/* Whether PATH would launch with REQUIREMENT, without launching it (the
 * walk lwcr check takes: interpreters, the ELF interpreter, then the
 * kernel's own answer). 0, or the errno a launch would fail with. */
int lwcr_check_required(const char *path, const char *requirement, const char *signers, char *why, size_t why_size);

/* The version of lwcr, as lwcr --version prints it after "lwcr ". */
const char *lwcr_version(void);

#ifdef __cplusplus
}
#endif
#endif
