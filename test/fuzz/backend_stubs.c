/*
 * backend_stubs.c — just enough of the PostgreSQL backend to run wfauth's
 * parsers outside a server, for the libFuzzer harnesses.
 *
 * palloc is an arena that fuzz_reset() frees after every input, and an
 * ERROR longjmps back to the harness (fuzz_catch), as it would to the
 * backend's PG_TRY.  Everything else the parsers' files reference is left
 * unresolved at link time: calling it would crash the harness, which is
 * the point — a parser must not reach the server.
 */
#include "postgres.h"

#include <setjmp.h>

#include "utils/builtins.h"

#include "../../src/wfauth.h"
#include "fuzz.h"

sigjmp_buf *fuzz_catch;
int			fuzz_last_sqlstate;

/* --- an arena freed after each input ----------------------------------------- */
typedef struct Chunk
{
	struct Chunk *next;
	Size		size;
	max_align_t data[];
} Chunk;

static Chunk *chunks;

void *
palloc(Size size)
{
	Chunk	   *c = malloc(sizeof(Chunk) + size);

	if (c == NULL)
		abort();
	c->next = chunks;
	c->size = size;
	chunks = c;
	return c->data;
}

void *
palloc0(Size size)
{
	return memset(palloc(size), 0, size);
}

void *
repalloc(void *pointer, Size size)
{
	Chunk	   *old = (Chunk *) ((char *) pointer - offsetof(Chunk, data));
	void	   *copy = palloc(size);

	memcpy(copy, pointer, Min(old->size, size));
	return copy;				/* the old chunk goes with the arena */
}

void
pfree(void *pointer)
{
	/* freed with the arena */
}

char *
pnstrdup(const char *in, Size len)
{
	char	   *out;

	len = strnlen(in, len);
	out = palloc(len + 1);
	memcpy(out, in, len);
	out[len] = '\0';
	return out;
}

char *
pstrdup(const char *in)
{
	return pnstrdup(in, strlen(in));
}

void
fuzz_reset(void)
{
	while (chunks)
	{
		Chunk	   *next = chunks->next;

		free(chunks);
		chunks = next;
	}
}

/* --- ereport: an ERROR goes back to the harness ---------------------------- */
static int	pending_elevel;

bool
errstart(int elevel, const char *domain)
{
	pending_elevel = elevel;
	fuzz_last_sqlstate = 0;
	return elevel >= ERROR;		/* nothing below ERROR is reported */
}

bool
errstart_cold(int elevel, const char *domain)
{
	return errstart(elevel, domain);
}

void
errfinish(const char *filename, int lineno, const char *funcname)
{
	if (pending_elevel >= ERROR)
	{
		if (fuzz_catch == NULL)
			abort();			/* an ERROR where none may happen */
		siglongjmp(*fuzz_catch, 1);
	}
}

int
errcode(int sqlerrcode)
{
	fuzz_last_sqlstate = sqlerrcode;
	return 0;
}

/* The message arguments are formatted, so a bad format or argument shows. */
#define FORMAT_AND_DROP(fmt) \
	do { \
		char		buf[1024]; \
		va_list		args; \
		va_start(args, fmt); \
		vsnprintf(buf, sizeof(buf), fmt, args); \
		va_end(args); \
	} while (0)

int errmsg(const char *fmt,...) { FORMAT_AND_DROP(fmt); return 0; }
int errmsg_internal(const char *fmt,...) { FORMAT_AND_DROP(fmt); return 0; }
int errdetail(const char *fmt,...) { FORMAT_AND_DROP(fmt); return 0; }
int errhint(const char *fmt,...) { FORMAT_AND_DROP(fmt); return 0; }
int errhidestmt(bool hide_stmt) { return 0; }

/* --- varlena helpers ------------------------------------------------------- */
text *
cstring_to_text_with_len(const char *s, int len)
{
	text	   *t = palloc(len + VARHDRSZ);

	SET_VARSIZE(t, len + VARHDRSZ);
	memcpy(VARDATA(t), s, len);
	return t;
}

text *
cstring_to_text(const char *s)
{
	return cstring_to_text_with_len(s, strlen(s));
}

char *
text_to_cstring(const text *t)
{
	return pnstrdup(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

struct varlena *
pg_detoast_datum_packed(struct varlena *datum)
{
	return datum;				/* the harnesses build plain values */
}

/* --- the kinds catalog: the two built-in kinds ---------------------------- */
static const WfauthKind kinds[] = {{1, "dashboard", "dashboards"}, {2, "alert", "alerting"}};

const WfauthKind *
wfauth_kind_by_name(const char *name)
{
	for (int i = 0; i < lengthof(kinds); i++)
		if (strcmp(kinds[i].name, name) == 0)
			return &kinds[i];
	return NULL;
}

const WfauthKind *
wfauth_kind_by_id(int16 id)
{
	for (int i = 0; i < lengthof(kinds); i++)
		if (kinds[i].id == id)
			return &kinds[i];
	return NULL;
}

/* --- stats.c: a refused token is counted by the server, not here ----------- */
void
wfauth_count(WfauthStat stat)
{
}
