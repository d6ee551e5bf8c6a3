/* Dovecot passdb driver "postern" (libauthdb_postern.so), the thin adapter between Dovecot's
 * auth process and Postern's password and lockout core (bridge.h). dovecot.conf:
 *     passdb {
 *       driver = postern
 *       args = /etc/postern/postern.conf
 *     }
 * verify_plain() hands the login to Postern's hashing threads and returns; the answer comes back
 * on Dovecot's event loop (an io on the bridge's eventfd). A refused (locked) login is answered
 * after the configured delay with a timeout on the same event loop: the auth process never sleeps
 * and never hashes. Credentials lookups (CRAM-MD5 and friends) are not offered: the hashes cannot
 * provide them. Caching is off, so every login is counted for lockout. */
#include "auth-common.h"
#include "passdb.h"
#include "ioloop.h"
#include "net.h"

#include "bridge.h"

#define POSTERN_DEFAULT_CONFIG "/etc/postern/postern.conf"

struct postern_passdb_module {
	struct passdb_module module;
	const char *config_path;
	struct postern_auth *core;
	struct io *io;
};

struct postern_pending {
	struct auth_request *request;
	verify_plain_callback_t *callback;
	struct timeout *to;
	enum passdb_result result;
};

static void postern_finish(struct postern_pending *p)
{
	struct auth_request *request = p->request;

	if (p->to != NULL)
		timeout_remove(&p->to);
	p->callback(p->result, request);
	auth_request_unref(&request);
	i_free(p);
}

static void postern_done(void *cookie, enum postern_auth_status status,
			 unsigned int delay_msecs, const char *reason)
{
	struct postern_pending *p = cookie;
	struct event *event = authdb_event(p->request);

	switch (status) {
	case POSTERN_AUTH_OK:
		p->result = PASSDB_RESULT_OK;
		e_debug(event, "postern: %s", reason);
		break;
	case POSTERN_AUTH_MISMATCH:
		p->result = PASSDB_RESULT_PASSWORD_MISMATCH;
		e_info(event, "postern: %s", reason);
		break;
	case POSTERN_AUTH_UNKNOWN_USER:
		p->result = PASSDB_RESULT_USER_UNKNOWN;
		e_info(event, "postern: %s", reason);
		break;
	case POSTERN_AUTH_REFUSED:
		/* The same answer as a wrong password: the client learns nothing. */
		p->result = PASSDB_RESULT_PASSWORD_MISMATCH;
		e_info(event, "postern: refused: %s", reason);
		break;
	case POSTERN_AUTH_TEMPFAIL:
	default:
		p->result = PASSDB_RESULT_INTERNAL_FAILURE;
		e_error(event, "postern: %s", reason);
		break;
	}
	if (delay_msecs > 0)
		p->to = timeout_add(delay_msecs, postern_finish, p);
	else
		postern_finish(p);
}

static void postern_input(struct postern_passdb_module *module)
{
	postern_auth_collect(module->core, postern_done);
}

static void postern_verify_plain(struct auth_request *request, const char *password,
				 verify_plain_callback_t *callback)
{
	struct postern_passdb_module *module =
		(struct postern_passdb_module *)request->passdb->passdb;
	struct postern_pending *p;
	const char *ip = NULL;

	if (request->fields.remote_ip.family != 0)
		ip = net_ip2addr(&request->fields.remote_ip);
	p = i_new(struct postern_pending, 1);
	p->request = request;
	p->callback = callback;
	auth_request_ref(request);
	postern_auth_submit(module->core, request->fields.user, password, ip, p);
}

static struct passdb_module *postern_preinit(pool_t pool, const char *args)
{
	struct postern_passdb_module *module;
	char error[1024];

	module = p_new(pool, struct postern_passdb_module, 1);
	module->config_path = p_strdup(pool, args != NULL && *args != '\0' ?
				       args : POSTERN_DEFAULT_CONFIG);
	module->core = postern_auth_load(module->config_path, error, sizeof(error));
	if (module->core == NULL)
		i_fatal("passdb postern: %s", error);
	module->module.default_cache_key = NULL;
	module->module.blocking = FALSE;
	return &module->module;
}

static void postern_init(struct passdb_module *_module)
{
	struct postern_passdb_module *module = (struct postern_passdb_module *)_module;
	char error[1024];
	int fd;

	fd = postern_auth_start(module->core, error, sizeof(error));
	if (fd < 0)
		i_fatal("passdb postern: %s", error);
	module->io = io_add(fd, IO_READ, postern_input, module);
}

static void postern_deinit(struct passdb_module *_module)
{
	struct postern_passdb_module *module = (struct postern_passdb_module *)_module;

	io_remove(&module->io);
	postern_auth_free(module->core);
	module->core = NULL;
}

static struct passdb_module_interface passdb_postern = {
	.name = "postern",
	.preinit = postern_preinit,
	.init = postern_init,
	.deinit = postern_deinit,
	.verify_plain = postern_verify_plain,
	.lookup_credentials = NULL,
	.set_credentials = NULL
};

/* Dovecot refuses to load a module built for another ABI. */
const char *authdb_postern_version = DOVECOT_ABI_VERSION;

void authdb_postern_init(void);
void authdb_postern_deinit(void);

void authdb_postern_init(void)
{
	passdb_register_module(&passdb_postern);
}

void authdb_postern_deinit(void)
{
	passdb_unregister_module(&passdb_postern);
}
