-- Governance (1.3): access-list entries that count for a while.
-- acl_grant(object, grantee, mode, valid_from, valid_until): the entry counts
-- while valid_from <= statement_timestamp() < valid_until, in every decision
-- path; such a value has a text and binary form of its own, and a value with
-- no dated entry keeps 1.2's bytes.
SET client_min_messages = warning;
SELECT wfauth.create_user('ait-una@example.com') AS una \gset
SELECT wfauth.create_user('ait-owner@example.com') AS owner \gset
SELECT wfauth.create_group('ait In') AS g_in \gset
SELECT wfauth.create_group('ait Out') AS g_out \gset
SELECT wfauth.add_members('ait In', '{ait-una@example.com}');
SELECT wfauth.grant_permission('dashboards', '{ait-una@example.com}');

-- the text form: a half-open range of UTC times after the mode, either end
-- empty; the same whatever the session's TimeZone and DateStyle
SET TimeZone = 'America/New_York';
SET DateStyle = 'SQL, DMY';
SELECT 'dashboard/0:{5=view[2027-01-01 00:00+02,),3=modify,4=view[,2030-06-01T12:00:00.25Z)}'::wfauth.acl AS dated;
RESET TimeZone;
RESET DateStyle;
SELECT 'dashboard/0:{3=view[-infinity,infinity)}'::wfauth.acl AS unbounded_is_undated,
       'dashboard/0:{3=view[-infinity,infinity)}'::wfauth.acl OPERATOR(wfauth.=) 'dashboard/0:{3=view}' AS same_bytes;
SELECT try($$SELECT 'dashboard/0:{3=view[2027-01-01Z,2027-01-01Z)}'::wfauth.acl$$) AS empty_range,
       try($$SELECT 'dashboard/0:{3=view[2027-01-01Z,2026-01-01Z)}'::wfauth.acl$$) AS backwards,
       try($$SELECT 'dashboard/0:{3=view[now,)}'::wfauth.acl$$) AS a_word,
       try($$SELECT 'dashboard/0:{3=view[2027-01-01Z}'::wfauth.acl$$) AS unclosed;
-- the binary form: version 3 for a dated value, 1 and 2 as before
SELECT get_byte(wfauth.acl_send('dashboard/0:{3=view}'), 0) AS undated,
       get_byte(wfauth.acl_send('dashboard/0:{3=view}@1'), 0) AS default_tenant,
       get_byte(wfauth.acl_send('dashboard/0:{3=view[,2030-01-01Z)}'), 0) AS dated;
CREATE TEMP TABLE ait_copy (acl wfauth.acl);
INSERT INTO ait_copy VALUES ('dashboard/0:{3=view[,2030-01-01Z),4=modify}'), ('dashboard/0:{3=view}');
COPY ait_copy TO '/tmp/wfauth_ait_copy.bin' (FORMAT binary);
CREATE TEMP TABLE ait_copy2 (acl wfauth.acl);
COPY ait_copy2 FROM '/tmp/wfauth_ait_copy.bin' (FORMAT binary);
SELECT acl FROM ait_copy2;
SELECT count(*) AS same_after_binary_copy
  FROM ait_copy a JOIN ait_copy2 b ON a.acl OPERATOR(wfauth.=) b.acl;

-- acl_grant: an end in the past or before the start is refused; granting
-- again replaces the entry and its validity
SELECT try($$SELECT wfauth.acl_grant('dashboard/0:{3=view}', 'ait-una@example.com', 'view', NULL, now() - interval '1 second')$$)
    AS ended_already,
       try($$SELECT wfauth.acl_grant('dashboard/0:{3=view}', 'ait-una@example.com', 'view', '2099-01-02', '2099-01-01')$$)
    AS backwards;
SELECT wfauth.acl_grant(wfauth.acl_grant('dashboard/0:{}', 'group:ait In', 'view', '2098-01-01Z', '2099-01-01Z'),
                        'group:ait In', 'modify') OPERATOR(wfauth.=) wfauth.acl_grant('dashboard/0:{}', 'group:ait In', 'modify')
    AS regranted_undated;

-- a table with entries in force, ended and not yet started
CREATE TABLE public.ait_boards (id int PRIMARY KEY);
SELECT wfauth.protect('public.ait_boards', 'dashboard');
CREATE INDEX ait_boards_acl ON public.ait_boards USING gin (acl);
GRANT SELECT, UPDATE ON public.ait_boards TO wfauth_regress_app;
INSERT INTO public.ait_boards SELECT generate_series(1, 4);
UPDATE public.ait_boards SET acl = wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'), 'ait-owner@example.com', 'modify');
UPDATE public.ait_boards SET acl = wfauth.acl_grant(acl, 'group:ait In', 'modify', NULL, '2099-01-01Z') WHERE id = 1;
UPDATE public.ait_boards SET acl = wfauth.acl_grant(acl, 'ait-una@example.com', 'view', '2099-01-01Z') WHERE id = 2;
-- an entry that has ended: written as a DBA restores it, in the text form
UPDATE public.ait_boards SET acl = (replace(acl::text, '}', format(',%s=view[,2001-01-01T00:00:00Z)}', :una)))::wfauth.acl
 WHERE id = 3;
SELECT id, e.grantee, e.mode, e.valid_from, e.valid_until
  FROM public.ait_boards, wfauth.acl_entries(acl) e ORDER BY id, e.grantee;
SELECT id, wfauth.can_access(:una, acl, 'view') AS view, wfauth.can_access(:una, acl, 'modify') AS modify
  FROM public.ait_boards ORDER BY id;
SELECT rule, result FROM wfauth.explain_access(:una, (SELECT acl FROM public.ait_boards WHERE id = 1), 'modify')
 WHERE rule LIKE 'group%' OR rule LIKE 'decision%';
SELECT rule, result FROM wfauth.explain_access(:una, (SELECT acl FROM public.ait_boards WHERE id = 2), 'view')
 WHERE rule LIKE 'user%' OR rule LIKE 'decision%';
SELECT rule, result FROM wfauth.explain_access(:una, (SELECT acl FROM public.ait_boards WHERE id = 3), 'view')
 WHERE rule LIKE 'user%' OR rule LIKE 'decision%';
SELECT identifier, via FROM wfauth.who_can_access((SELECT acl FROM public.ait_boards WHERE id = 1), 'modify')
 WHERE via NOT LIKE 'super admin%';
SELECT identifier, via FROM wfauth.who_can_access((SELECT acl FROM public.ait_boards WHERE id = 3), 'view')
 WHERE via NOT LIKE 'super admin%';

-- through the policies, by a plain scan and by the listing index
BEGIN;
SELECT wfauth.set_principal('ait-una@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT array_agg(id ORDER BY id) AS una_sees FROM public.ait_boards;
SET LOCAL enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM public.ait_boards;
SELECT array_agg(id ORDER BY id) AS una_sees_through_index FROM public.ait_boards;
SELECT array_agg(id ORDER BY id) AS una_reaches_through_index FROM public.ait_boards
 WHERE acl OPERATOR(wfauth.@@) :una;
ROLLBACK;

-- every entry of a stored access list may end only if one does not: else,
-- once all had ended, only Super Admins could reach the object
SELECT try($$UPDATE public.ait_boards SET acl = wfauth.acl_grant(wfauth.acl_revoke(acl, 'ait-owner@example.com'),
                                                                 'ait-owner@example.com', 'modify', NULL, '2099-01-01Z')
              WHERE id = 4$$) AS every_entry_ends;
-- an object none of whose living entries counts now (ended, or not started) is an orphan
SELECT count(*) AS orphans_before FROM wfauth.orphaned_objects() WHERE tbl = 'public.ait_boards'::regclass;
SELECT wfauth.delete_account('ait-owner@example.com');
SELECT b.id FROM wfauth.orphaned_objects() o JOIN public.ait_boards b ON b.ctid = o.ctid
 WHERE o.tbl = 'public.ait_boards'::regclass ORDER BY b.id;

-- A property test against a reference model, with random clocks.  Every
-- statement of a DO block shares one statement_timestamp() T, so the rows
-- written in a block are decided at T exactly: entries start or end at T,
-- a microsecond before or after it, or seconds away, for Una's own entry,
-- her group's, Everyone's and a group she is not in.  The model decides each
-- row; can_access, acl_reaches (@@, @@@) through the index and a plain scan,
-- and the policies through both must agree with it on every row.
CREATE TABLE public.ait_prop (id int PRIMARY KEY);
SELECT wfauth.protect('public.ait_prop', 'dashboard');
CREATE INDEX ait_prop_acl ON public.ait_prop USING gin (acl);
GRANT SELECT ON public.ait_prop TO wfauth_regress_app;
CREATE TABLE public.ait_model (id int PRIMARY KEY, view boolean, modify boolean, at_boundary boolean);
GRANT SELECT ON public.ait_model TO wfauth_regress_app;
SELECT wfauth.create_user('ait-keeper@example.com') IS NOT NULL AS keeper_created;
SELECT setseed(0.2026);
CREATE FUNCTION pg_temp.ait_round(rows int) RETURNS TABLE (checked bigint, at_boundary bigint, viewable bigint,
                                                          modifiable bigint, mismatches bigint)
LANGUAGE plpgsql AS $$
DECLARE
    t timestamptz := statement_timestamp();
    offsets interval[] := ARRAY[NULL, '-2 seconds', '-1 microsecond', '0', '1 microsecond', '2 seconds'];
    una bigint := wfauth.account_id('ait-una@example.com');
    grantees bigint[] := ARRAY[una, wfauth._group('ait In', true), 1, wfauth._group('ait Out', true)];
    named boolean[] := ARRAY[true, true, true, false];     -- does the entry name Una or a group of hers?
    v wfauth.acl;
    f timestamptz;
    u timestamptz;
    m boolean;
    counts boolean;
    view boolean;
    modify boolean;
    boundary boolean;
    i int;
    g int;
BEGIN
    TRUNCATE public.ait_model;
    DELETE FROM public.ait_prop;
    INSERT INTO public.ait_prop SELECT generate_series(1, rows);
    FOR i IN 1 .. rows LOOP
        v := wfauth._acl_set(wfauth._acl_set((SELECT acl FROM public.ait_prop WHERE id = i), 1, NULL, NULL, NULL),
                             wfauth.account_id('ait-keeper@example.com'), 'modify', NULL, NULL);
        view := false; modify := false; boundary := false;
        FOR g IN 1 .. 4 LOOP
            CONTINUE WHEN random() < 0.4;
            f := t + offsets[1 + floor(random() * 6)::int];
            u := t + offsets[1 + floor(random() * 6)::int];
            IF u <= f THEN u := NULL; END IF;
            m := random() < 0.5;
            v := wfauth._acl_set(v, grantees[g], CASE WHEN m THEN 'modify' ELSE 'view' END::wfauth.access_mode, f, u);
            counts := (f IS NULL OR f <= t) AND (u IS NULL OR t < u);
            boundary := boundary OR f BETWEEN t - interval '1 microsecond' AND t + interval '1 microsecond'
                                 OR u BETWEEN t - interval '1 microsecond' AND t + interval '1 microsecond';
            view := view OR (named[g] AND counts);
            modify := modify OR (named[g] AND counts AND m);
        END LOOP;
        UPDATE public.ait_prop SET acl = v WHERE id = i;
        INSERT INTO public.ait_model VALUES (i, view, modify, boundary);
    END LOOP;

    -- the DBA's view: can_access and the operators, plain scan then index
    CREATE TEMP TABLE IF NOT EXISTS ait_seen (way text, id int);
    TRUNCATE ait_seen;
    INSERT INTO ait_seen SELECT 'can_access view', id FROM public.ait_prop WHERE wfauth.can_access(una, acl, 'view');
    INSERT INTO ait_seen SELECT 'can_access modify', id FROM public.ait_prop WHERE wfauth.can_access(una, acl, 'modify');
    PERFORM set_config('enable_indexscan', 'off', true);
    PERFORM set_config('enable_bitmapscan', 'off', true);
    EXECUTE 'INSERT INTO ait_seen SELECT ''@@ scan'', id FROM public.ait_prop WHERE acl OPERATOR(wfauth.@@) $1' USING una;
    EXECUTE 'INSERT INTO ait_seen SELECT ''@@@ scan'', id FROM public.ait_prop WHERE acl OPERATOR(wfauth.@@@) $1' USING una;
    PERFORM set_config('enable_bitmapscan', 'on', true);
    PERFORM set_config('enable_seqscan', 'off', true);
    EXECUTE 'INSERT INTO ait_seen SELECT ''@@ index'', id FROM public.ait_prop WHERE acl OPERATOR(wfauth.@@) $1' USING una;
    EXECUTE 'INSERT INTO ait_seen SELECT ''@@@ index'', id FROM public.ait_prop WHERE acl OPERATOR(wfauth.@@@) $1' USING una;
    -- Una's view, through the policies
    PERFORM wfauth.set_principal('ait-una@example.com');
    SET LOCAL ROLE wfauth_regress_app;
    PERFORM set_config('enable_seqscan', 'off', true);
    EXECUTE 'CREATE TEMP TABLE ait_policy_index AS SELECT id FROM public.ait_prop';
    PERFORM set_config('enable_seqscan', 'on', true);
    PERFORM set_config('enable_indexscan', 'off', true);
    PERFORM set_config('enable_bitmapscan', 'off', true);
    EXECUTE 'CREATE TEMP TABLE ait_policy_scan AS SELECT id FROM public.ait_prop';
    RESET ROLE;
    PERFORM wfauth.reset_principal();
    INSERT INTO ait_seen SELECT 'policy index', id FROM ait_policy_index;
    INSERT INTO ait_seen SELECT 'policy scan', id FROM ait_policy_scan;
    DROP TABLE ait_policy_index, ait_policy_scan;
    PERFORM set_config('enable_seqscan', 'on', true);
    PERFORM set_config('enable_indexscan', 'on', true);
    PERFORM set_config('enable_bitmapscan', 'on', true);

    RETURN QUERY
    WITH expected AS (
        SELECT w.way, m.id FROM public.ait_model m,
               (VALUES ('can_access view', false), ('@@ scan', false), ('@@ index', false),
                       ('policy index', false), ('policy scan', false),
                       ('can_access modify', true), ('@@@ scan', true), ('@@@ index', true)) w(way, for_modify)
         WHERE CASE WHEN w.for_modify THEN m.modify ELSE m.view END
    ), wrong AS (
        (SELECT * FROM expected EXCEPT SELECT * FROM ait_seen)
        UNION ALL
        (SELECT * FROM ait_seen EXCEPT SELECT * FROM expected)
    )
    SELECT (SELECT count(*) FROM public.ait_model),
           (SELECT count(*) FROM public.ait_model m WHERE m.at_boundary),
           (SELECT count(*) FROM public.ait_model m WHERE m.view),
           (SELECT count(*) FROM public.ait_model m WHERE m.modify),
           (SELECT count(*) FROM wrong);
END
$$;
SELECT * FROM pg_temp.ait_round(300);
SELECT * FROM pg_temp.ait_round(300);
SELECT * FROM pg_temp.ait_round(300);
-- Exactly at T in a statement of its own: one alone in its message decides
-- at its statement_timestamp(); entries built in it start or end a
-- microsecond before, at, or a microsecond after it.
SELECT e.bound, o.at,
       wfauth.can_access(:una, a.acl, 'view') AS can_view,
       a.acl OPERATOR(wfauth.@@) :una AS reaches,
       wfauth.decision_time() = statement_timestamp() AS decided_at_t
  FROM (VALUES ('T - 1us', interval '-1 microsecond'), ('T', interval '0'), ('T + 1us', interval '1 microsecond')) o(at, off),
       (VALUES ('starts'), ('ends')) e(bound),
       LATERAL (SELECT wfauth._acl_set('dashboard/0:{}'::wfauth.acl, :una, 'view',
                                       CASE e.bound WHEN 'starts' THEN statement_timestamp() + o.off END,
                                       CASE e.bound WHEN 'ends' THEN statement_timestamp() + o.off END) AS acl) a
 ORDER BY e.bound DESC, o.off;

-- the index served the policies' query in the rounds above
BEGIN;
SELECT wfauth.set_principal('ait-una@example.com');
SET LOCAL ROLE wfauth_regress_app;
SET LOCAL enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM public.ait_prop;
ROLLBACK;

DROP TABLE public.ait_boards, public.ait_prop, public.ait_model;
SELECT wfauth.delete_account('ait-una@example.com');
SELECT wfauth.delete_account('ait-keeper@example.com');
SELECT wfauth.delete_group('ait In');
SELECT wfauth.delete_group('ait Out');
