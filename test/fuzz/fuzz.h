/* fuzz.h — what the libFuzzer harnesses share with backend_stubs.c */
#ifndef WFAUTH_FUZZ_H
#define WFAUTH_FUZZ_H

#include <setjmp.h>

extern sigjmp_buf *fuzz_catch;	/* where an ERROR returns to; NULL: abort */
extern int	fuzz_last_sqlstate;	/* the errcode() of the last ERROR */
extern void fuzz_reset(void);	/* free everything palloc'd */

/* Call fn with the given arguments, as the function manager would. */
#define FUZZ_CALL(fn, ...) \
	({ \
		Datum		call_args_[] = {__VA_ARGS__}; \
		LOCAL_FCINFO(fcinfo_, lengthof(call_args_)); \
		fcinfo_->nargs = lengthof(call_args_); \
		fcinfo_->isnull = false; \
		for (int i_ = 0; i_ < (int) lengthof(call_args_); i_++) \
		{ \
			fcinfo_->args[i_].value = call_args_[i_]; \
			fcinfo_->args[i_].isnull = false; \
		} \
		fn(fcinfo_); \
	})

#endif
