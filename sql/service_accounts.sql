-- Service accounts: sa:: naming, uniqueness, no passwords, no new-user defaults.
\set VERBOSITY terse
SELECT wfauth.create_service_account('Service-1', 'nightly exports') AS svc \gset
SELECT name, kind, description FROM wfauth.principals WHERE id = :svc;
-- Service-1, SA::Service-1 and sa::service-1 are the same account
SELECT wfauth.account_id(n) = :svc AS same, n
  FROM unnest(ARRAY['Service-1', 'SA::Service-1', 'sa::service-1', 'Sa::SERVICE-1']) n;
SELECT try($$SELECT wfauth.create_service_account('SA::Service-1')$$);
SELECT try($$SELECT wfauth.create_service_account('sa::service-1')$$);
-- names with characters outside letters, digits, - _ .
SELECT n, try(format('SELECT wfauth.create_service_account(%L)', n))
  FROM unnest(ARRAY['bad name', 'sa::', 'has@sign', '-leading', 'ünïcode']) n;
-- a service account cannot be created through create_user, nor get a password
SELECT try($$SELECT wfauth.create_user('sa::sneaky')$$);
SELECT try(format('INSERT INTO wfauth.passwords (account_id, hash) VALUES (%s, %L)', :svc, 'x'));
-- nor become a Super Admin
SELECT try($$SELECT wfauth.grant_super_admin('sa::service-1')$$);
-- new-user defaults are never applied to service accounts
SELECT wfauth.create_group('Robots');
SELECT wfauth.set_new_user_defaults('{logs}', '{Robots}');
SELECT wfauth.create_service_account('bot-2', groups => '{Robots}', permissions => '{metrics}') AS bot \gset
SELECT * FROM wfauth.effective_permissions(:bot);
SELECT wfauth.set_new_user_defaults('{}', '{}');
-- direct DML is normalised by the trigger too
INSERT INTO wfauth.principals (kind, name) VALUES ('service', 'SA::Direct-Insert');
SELECT name FROM wfauth.principals WHERE name LIKE 'sa::direct%';
-- a service account can be deactivated like any account
SELECT wfauth.set_active('bot-2', false);
SELECT wfauth.has_permission(:bot, 'metrics');
