-- Every refusal, with its SQLSTATE: 22023 bad input, 23505 duplicate,
-- P0002 unknown name, 42501 not allowed.
\set VERBOSITY terse
SELECT wfauth.create_user('nia@example.com');
SELECT wfauth.create_group('Errors');
SELECT wfauth.create_role('Errant', '{}');
SELECT left(try(sql), 5) AS sqlstate, sql FROM (VALUES
    ($$SELECT wfauth.create_user('not an email')$$),
    ($$SELECT wfauth.create_user(NULL)$$),
    ($$SELECT wfauth.create_user('nia@example.com')$$),
    ($$SELECT wfauth.create_user('x@example.com', groups => '{Missing}')$$),
    ($$SELECT wfauth.create_user('x@example.com', roles => '{Missing}')$$),
    ($$SELECT wfauth.create_user('x@example.com', permissions => '{missing}')$$),
    ($$SELECT wfauth.create_user('x@example.com', repeat('p', 14))$$),
    ($$SELECT wfauth.create_user('x@example.com', repeat('p', 257))$$),
    ($$SELECT wfauth.create_service_account('nia@example.com')$$),
    ($$SELECT wfauth.create_group('Errors')$$),
    ($$SELECT wfauth.create_group(NULL)$$),
    ($$SELECT wfauth.create_role('errant', '{}')$$),
    ($$SELECT wfauth.delete_group('Missing')$$),
    ($$SELECT wfauth.delete_role('Missing')$$),
    ($$SELECT wfauth.delete_account('missing@example.com')$$),
    ($$SELECT wfauth.set_active('missing@example.com', true)$$),
    ($$SELECT wfauth.set_active('nia@example.com', NULL)$$),
    ($$SELECT wfauth.grant_role('Errant', '{group:Missing}')$$),
    ($$SELECT wfauth.grant_permission('logs', '{NULL}')$$),
    ($$SELECT wfauth.grant_super_admin('missing@example.com')$$),
    ($$SELECT wfauth.account_id('missing@example.com')$$),
    ($$SELECT wfauth.account_id('bad name')$$),
    ($$SELECT wfauth.delete_group('Everyone')$$),
    ($$SELECT wfauth.add_members('Everyone', '{nia@example.com}')$$),
    ($$SELECT wfauth.set_new_object_access('public')$$),
    ($$SELECT wfauth.register_permission('x', NULL)$$)
) AS t(sql);
-- 15 (wfauth.password_min_length) to 256 characters pass; characters, not bytes, are counted
SELECT try($$SELECT wfauth.create_user('ok1@example.com', repeat('é', 15))$$);
SELECT try($$SELECT wfauth.create_user('ok2@example.com', repeat('p', 256))$$);
-- a failing call leaves nothing behind
SELECT count(*) FROM wfauth.principals WHERE name = 'x@example.com';
