-- New-user defaults and the new-object security preference.
\set VERBOSITY terse
SELECT wfauth.create_group('Newcomers');
SELECT wfauth.set_new_user_defaults('{logs, Events}', '{Newcomers, Everyone}');
SELECT permission FROM wfauth.new_user_permissions ORDER BY 1;
SELECT p.name FROM wfauth.new_user_groups g JOIN wfauth.principals p ON p.id = g.group_id;
SELECT wfauth.create_user('kim@example.com', permissions => '{metrics}') AS kim \gset
SELECT * FROM wfauth.effective_permissions(:kim);
-- service accounts never get them
SELECT wfauth.create_service_account('loader') AS loader \gset
SELECT count(*) FROM wfauth.effective_permissions(:loader);
-- changing the defaults leaves existing accounts alone
SELECT wfauth.set_new_user_defaults('{}', '{}');
SELECT wfauth.has_permission(:kim, 'logs') AS kept;
SELECT wfauth.create_user('lee@example.com') AS lee \gset
SELECT count(*) FROM wfauth.effective_permissions(:lee);
-- a deleted group drops out of the defaults
SELECT wfauth.set_new_user_defaults('{}', '{Newcomers}');
SELECT wfauth.delete_group('Newcomers');
SELECT count(*) FROM wfauth.new_user_groups;
SELECT try($$SELECT wfauth.set_new_user_defaults('{nope}', '{}')$$);
SELECT try($$SELECT wfauth.set_new_user_defaults('{}', '{Nope}')$$);

-- the security preference for new objects
SELECT coalesce((SELECT new_object_access FROM wfauth.settings), 'everyone') AS new_object_access;
SELECT wfauth.set_new_object_access('Creator');
SELECT coalesce((SELECT new_object_access FROM wfauth.settings), 'everyone') AS new_object_access;
SELECT try($$SELECT wfauth.set_new_object_access('nobody')$$);
SELECT try($$SELECT wfauth.set_new_object_access(NULL)$$);
SELECT wfauth.set_new_object_access('everyone');
