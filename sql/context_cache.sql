-- The context cache behind a pooler: one backend serves many principals in
-- turn.  With room for only a few dozen contexts, 300 principals visited
-- again and again in shuffled order still get exactly their own answers,
-- and a change is seen at once by every cached context.
SET client_min_messages = warning;
SET wfauth.context_cache_memory = 64;          -- kB: a few dozen contexts
CREATE TEMP TABLE cc AS
SELECT i, wfauth.create_user(format('cc%s@example.com', i),
                             permissions => CASE WHEN i % 3 = 0 THEN '{dashboards}' ELSE '{}' END::text[]) AS id,
       i % 3 = 0 AS expected
  FROM generate_series(1, 300) i;
SELECT count(*) AS visits, count(*) FILTER (WHERE wfauth.has_permission(cc.id, 'dashboards') <> cc.expected) AS wrong
  FROM generate_series(1, 5) pass, cc;

SELECT count(*) AS visits, count(*) FILTER (WHERE wfauth.has_permission(cc.id, 'dashboards') <> cc.expected) AS wrong
  FROM (SELECT cc.* FROM generate_series(1, 5), cc ORDER BY md5(random()::text)) cc;
-- a grant reaches a context that was cached, evicted or never loaded alike
SELECT wfauth.grant_permission('dashboards', ARRAY(SELECT format('cc%s@example.com', i) FROM cc WHERE NOT expected));
SELECT count(*) FILTER (WHERE NOT wfauth.has_permission(cc.id, 'dashboards')) AS still_without
  FROM (SELECT cc.* FROM generate_series(1, 3), cc ORDER BY md5(random()::text)) cc;
SELECT count(*) AS deleted FROM cc, wfauth.delete_account(format('cc%s@example.com', i));
RESET wfauth.context_cache_memory;
