-- Runs the variants interleaved, seven rounds, and prints medians and ratios.
\set ON_ERROR_STOP 1
\pset footer off
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;          -- serial scans, as the issue asks
CREATE TEMP TABLE timings (variant text, round int, ms float8, rows bigint);
SELECT wfauth.account_id('bench@example.com') AS me \gset
-- my_ids() and the naive policy read the principal from a plain setting
SELECT set_config('bench.me', :'me', false);

DO $$
DECLARE
    r int;
    v text;
    t0 timestamptz;
    n bigint;
BEGIN
    FOR r IN 1..7 LOOP
        FOREACH v IN ARRAY ARRAY['plain', 'wf (no policy)', 'wf (floor qual)', 'handwritten', 'naive', 'wf'] LOOP
            CONTINUE WHEN v = 'naive' AND r > 3;   -- slow; three rounds are enough
            PERFORM wfauth.set_principal('bench@example.com');
            IF v NOT LIKE 'wf (%' THEN         -- a superuser bypasses RLS: the same table, no policy
                SET LOCAL ROLE bench_app;
            END IF;
            t0 := clock_timestamp();
            EXECUTE format('SELECT count(*) FROM bench.%I', split_part(v, ' ', 1))
                    || CASE WHEN v = 'wf (floor qual)' THEN ' WHERE acl IS NOT NULL' ELSE '' END INTO n;
            RESET ROLE;
            INSERT INTO timings VALUES (v, r, extract(epoch FROM clock_timestamp() - t0) * 1000, n);
        END LOOP;
    END LOOP;
END $$;

\echo
\echo '== 1M rows, serial count(*), median of rounds (ms); rows = rows visible'
\echo '   plain: no RLS, no acl column; wf (no policy): the protected table read by a superuser;'
\echo '   wf (floor qual): the cheapest qual on the acl column (acl IS NOT NULL), no policy:'
\echo '   what any per-row check costs PostgreSQL before the check itself runs'
WITH m AS (
    SELECT variant, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS median_ms, max(rows) AS rows,
           count(*) AS rounds
      FROM timings GROUP BY variant
)
SELECT variant, round(median_ms::numeric, 1) AS median_ms, rows, rounds,
       round((median_ms / (SELECT median_ms FROM m WHERE variant = 'plain'))::numeric, 2) AS vs_no_rls,
       round((median_ms / (SELECT median_ms FROM m WHERE variant = 'wf (floor qual)'))::numeric, 2) AS vs_floor,
       round((median_ms / (SELECT median_ms FROM m WHERE variant = 'handwritten'))::numeric, 2) AS vs_handwritten
  FROM m ORDER BY median_ms;

-- first check in a transaction: a context nobody has cached (100 users, 10 groups each)
CREATE TEMP TABLE cold (us float8);
DO $$
DECLARE
    u int;
    t0 timestamptz;
    ok boolean;
    a wfauth.acl := 'dashboard/0:{1=view}';
BEGIN
    FOR u IN 1..100 LOOP
        t0 := clock_timestamp();
        ok := wfauth.can_access(wfauth.account_id('cold' || u || '@example.com'), a, 'view');
        INSERT INTO cold VALUES (extract(epoch FROM clock_timestamp() - t0) * 1e6);
    END LOOP;
END $$;
-- the same calls once the contexts are warm (for the lookup overhead)
CREATE TEMP TABLE warm (us float8);
DO $$
DECLARE
    t0 timestamptz;
    ok boolean;
    a wfauth.acl := 'dashboard/0:{1=view}';
    id bigint := wfauth.account_id('cold1@example.com');
    i int;
BEGIN
    FOR i IN 1..100 LOOP
        t0 := clock_timestamp();
        ok := wfauth.can_access(wfauth.account_id('cold1@example.com'), a, 'view');
        INSERT INTO warm VALUES (extract(epoch FROM clock_timestamp() - t0) * 1e6);
    END LOOP;
END $$;
\echo '== first check in a transaction (cold context: 10 groups), microseconds'
SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY c.us)::numeric, 1) AS cold_median_us,
       round((SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY us) FROM warm)::numeric, 1) AS warm_median_us,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY c.us)
              - (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY us) FROM warm))::numeric, 1) AS context_load_us
  FROM cold c;

-- a single check: ACL of 50 entries, none of them the principal's, principal in 10 groups
SELECT string_agg((1000 + i * 7)::text || '=view', ',') AS entries FROM generate_series(1, 50) i \gset
SELECT set_config('bench.acl50', 'dashboard/0:{' || :'entries' || '}', false) \gset
CREATE TEMP TABLE single (round int, with_check_ms float8, baseline_ms float8);
DO $$
DECLARE
    r int;
    t0 timestamptz;
    t1 timestamptz;
    n bigint;
    me bigint := wfauth.account_id('bench@example.com');
    a wfauth.acl := current_setting('bench.acl50')::wfauth.acl;
BEGIN
    FOR r IN 1..7 LOOP
        t0 := clock_timestamp();
        -- (g - g) makes each qual depend on the row, so it is not a one-time filter
        SELECT count(*) INTO n FROM generate_series(1, 1000000) g
         WHERE NOT wfauth.can_access(me + (g - g), a, 'view');
        t1 := clock_timestamp();
        SELECT count(*) INTO n FROM generate_series(1, 1000000) g WHERE NOT (me + (g - g) < 0);
        INSERT INTO single VALUES (r, extract(epoch FROM t1 - t0) * 1000,
                                   extract(epoch FROM clock_timestamp() - t1) * 1000);
    END LOOP;
END $$;
\echo '== single check, 50-entry ACL, 10 groups: (time with check - baseline) / 1M rows'
SELECT round(((percentile_cont(0.5) WITHIN GROUP (ORDER BY with_check_ms - baseline_ms)) * 1e6 / 1e6)::numeric, 1)
           AS ns_per_check,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY with_check_ms)::numeric, 1) AS with_check_ms,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY baseline_ms)::numeric, 1) AS baseline_ms
  FROM single;

-- entries that count for a while (1.3): the same 10-entry ACL undated and
-- with every entry dated (in force: from 2000 until 2100), the principal's
-- group last, so the check walks every entry and then reads one validity
SELECT wfauth._group('bench-g40', true) AS g40 \gset
SELECT 'dashboard/0:{' || string_agg((1000 + i * 7)::text || '=view', ',') || ',' || :g40 || '=view}' AS undated,
       'dashboard/0:{' || string_agg((1000 + i * 7)::text || '=view[2000-01-01T00:00:00Z,2100-01-01T00:00:00Z)', ',')
       || ',' || :g40 || '=view[2000-01-01T00:00:00Z,2100-01-01T00:00:00Z)}' AS dated
  FROM generate_series(1, 9) i \gset
SELECT set_config('bench.undated', :'undated', false) IS NOT NULL AS undated_set,
       set_config('bench.dated', :'dated', false) IS NOT NULL AS dated_set \gset
CREATE TEMP TABLE dated (round int, undated_ms float8, dated_ms float8, baseline_ms float8);
DO $$
DECLARE
    r int;
    t0 timestamptz;
    t1 timestamptz;
    t2 timestamptz;
    n bigint;
    me bigint := wfauth.account_id('bench@example.com');
    u wfauth.acl := current_setting('bench.undated')::wfauth.acl;
    d wfauth.acl := current_setting('bench.dated')::wfauth.acl;
BEGIN
    IF NOT wfauth.can_access(me, u, 'view') OR NOT wfauth.can_access(me, d, 'view') THEN
        RAISE EXCEPTION 'the dated benchmark''s ACLs must allow the principal';
    END IF;
    FOR r IN 1..9 LOOP
        t0 := clock_timestamp();
        SELECT count(*) INTO n FROM generate_series(1, 1000000) g WHERE wfauth.can_access(me + (g - g), u, 'view');
        t1 := clock_timestamp();
        SELECT count(*) INTO n FROM generate_series(1, 1000000) g WHERE wfauth.can_access(me + (g - g), d, 'view');
        t2 := clock_timestamp();
        SELECT count(*) INTO n FROM generate_series(1, 1000000) g WHERE NOT (me + (g - g) < 0);
        INSERT INTO dated VALUES (r, extract(epoch FROM t1 - t0) * 1000, extract(epoch FROM t2 - t1) * 1000,
                                  extract(epoch FROM clock_timestamp() - t2) * 1000);
    END LOOP;
END $$;
\echo '== 10-entry ACL, every entry dated vs none: ns per check (time - baseline) / 1M rows, medians of 9 interleaved rounds'
SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY undated_ms - baseline_ms)::numeric, 1) AS undated_ns,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY dated_ms - baseline_ms)::numeric, 1) AS dated_ns,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY dated_ms - baseline_ms)
              / percentile_cont(0.5) WITHIN GROUP (ORDER BY undated_ms - baseline_ms))::numeric, 2) AS dated_vs_undated,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY dated_ms / undated_ms)::numeric, 2) AS whole_query_ratio
  FROM dated;
