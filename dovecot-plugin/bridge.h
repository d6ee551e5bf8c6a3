/* The C interface between Dovecot's passdb glue (passdb-postern.c, compiled as C against
 * dovecot-dev) and Postern's C++ core (bridge.cpp). Dovecot's headers are C and its library is
 * not thread-safe, so the glue never runs our threads' code and our threads never call Dovecot:
 * requests go in with postern_auth_submit(), are hashed on worker threads, and come back on
 * Dovecot's event loop when the fd from postern_auth_start() is readable and the glue calls
 * postern_auth_collect(). Strings passed in are copied; nothing is kept after the call. */
#ifndef POSTERN_DOVECOT_BRIDGE_H
#define POSTERN_DOVECOT_BRIDGE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct postern_auth;

enum postern_auth_status {
	POSTERN_AUTH_OK = 0,
	POSTERN_AUTH_MISMATCH = 1,
	POSTERN_AUTH_UNKNOWN_USER = 2,
	POSTERN_AUTH_REFUSED = 3,
	POSTERN_AUTH_TEMPFAIL = 4
};

typedef void postern_auth_done_fn(void *cookie, enum postern_auth_status status,
				  unsigned int delay_msecs, const char *reason);

/* Reads and checks the configuration (Dovecot calls passdb preinit as root, before it drops
   privileges, so a config readable only by root works). NULL on error, with the reason in
   error[error_size]. */
struct postern_auth *postern_auth_load(const char *config_path, char *error, size_t error_size);
/* Opens the users and the store and starts the hashing threads (in Dovecot's init, after the
   privilege drop). Returns the fd to watch for readability, or -1 with the reason in error. */
int postern_auth_start(struct postern_auth *auth, char *error, size_t error_size);
/* Queues one login. remote_ip may be NULL (unknown: no lockout accounting). cookie comes back in
   the done callback exactly once. A login that waits more than 30 s for a hashing thread
   (kMaxQueueWait) is answered TEMPFAIL without being hashed. */
void postern_auth_submit(struct postern_auth *auth, const char *user, const char *password,
			 const char *remote_ip, void *cookie);
/* Calls done for every finished login. Call when the fd is readable. */
void postern_auth_collect(struct postern_auth *auth, postern_auth_done_fn *done);
/* Stops the threads (finishing the logins being hashed; queued ones are dropped) and frees. */
void postern_auth_free(struct postern_auth *auth);

#ifdef __cplusplus
}

/* For tests (not exported from the module): the clock logins' queue waits are measured with (and
   the core is given), instead of the system clock. Call before postern_auth_start. */
namespace postern {
class Clock;
}
void postern_auth_set_clock(struct postern_auth* auth, const postern::Clock* clock);
#endif

#endif
