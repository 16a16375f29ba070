-- Giving an object away: removing one's own last way in.  PostgreSQL checks
-- the new row of an UPDATE against the SELECT policy when the statement
-- reads the row (a WHERE clause, RETURNING), with its generic refusal; an
-- UPDATE that reads nothing of the row escapes that check.  wfauth makes the
-- rule deliberate and the same for every statement, and says why: a
-- principal cannot hand its object to someone else and lose it in the same
-- change; it keeps an entry of its own, or someone who keeps access (a Super
-- Admin, a DBA) makes the change.
SET client_min_messages = warning;
SELECT wfauth.create_user('ga-gail@example.com', permissions => '{dashboards}') IS NOT NULL AS gail;
SELECT wfauth.create_user('ga-hal@example.com', permissions => '{dashboards}') AS hal \gset
CREATE TABLE public.ga_boards (id int PRIMARY KEY);
SELECT wfauth.protect('public.ga_boards', 'dashboard');
GRANT SELECT, UPDATE ON public.ga_boards TO wfauth_regress_app;
INSERT INTO public.ga_boards VALUES (1);
UPDATE public.ga_boards SET acl = wfauth.acl_grant(wfauth.acl_revoke(acl, 'everyone'), 'ga-gail@example.com', 'modify');
BEGIN;
SELECT wfauth.set_principal('ga-gail@example.com');
SET LOCAL ROLE wfauth_regress_app;
SELECT try($$UPDATE public.ga_boards SET acl = wfauth.acl_grant(wfauth.acl_revoke(acl, 'ga-gail@example.com'),
                                                                'ga-hal@example.com', 'modify') WHERE id = 1$$)
    AS give_away_and_lose_it;
SELECT try($$UPDATE public.ga_boards SET acl = wfauth.acl_grant(wfauth.acl_revoke(acl, 'ga-gail@example.com'),
                                                                'ga-hal@example.com', 'modify')$$)
    AS without_a_where_clause;
-- keeping a view entry of one's own works
UPDATE public.ga_boards SET acl = wfauth.acl_grant(wfauth.acl_grant(acl, 'ga-gail@example.com', 'view'),
                                                   'ga-hal@example.com', 'modify') WHERE id = 1;
COMMIT;
SELECT e.grantee, e.mode FROM public.ga_boards, wfauth.acl_entries(acl) e;
-- Hal, who keeps access, removes Gail
BEGIN;
SELECT wfauth.set_principal('ga-hal@example.com');
SET LOCAL ROLE wfauth_regress_app;
UPDATE public.ga_boards SET acl = wfauth.acl_revoke(acl, 'ga-gail@example.com') WHERE id = 1;
COMMIT;
SELECT e.grantee, e.mode FROM public.ga_boards, wfauth.acl_entries(acl) e;
DROP TABLE public.ga_boards;
SELECT wfauth.delete_account('ga-gail@example.com');
SELECT wfauth.delete_account('ga-hal@example.com');
