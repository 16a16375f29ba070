#!/usr/bin/python3
"""The application example of docs/app-integration.md, run unchanged through psycopg 3.

    check.py DSN_APP DSN_DBA TOKEN PASSWORD

wfauth_app (extracted from docs/app-integration.md by test/tap/drivers.sh) is imported as
the application would.  Prints one "ok"/"not ok" line per check (TAP body).
"""
import sys

import psycopg
from psycopg import errors

import wfauth_app

dsn_app, dsn_dba, token, password = sys.argv[1:5]
n = 0


def check(what, ok):
    global n
    n += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n, what))


def raises(cls, fn):
    try:
        fn()
    except cls:
        return True
    except Exception as e:           # the wrong error class
        print("#   got %s: %s" % (type(e).__name__, e))
        return False
    return False


conn = wfauth_app.connect(dsn_app)
dba = psycopg.connect(dsn_dba, autocommit=True)

session = wfauth_app.login(conn, "dana@example.com", password)
check("login with bound parameters returns a session token", session.startswith("wfas_"))
check("a wrong password is psycopg.errors.InvalidPassword (28P01)",
      raises(errors.InvalidPassword, lambda: wfauth_app.login(conn, "dana@example.com", "not dana's passphrase")))
check("a bad token is InvalidAuthorizationSpecification (28000)",
      raises(errors.InvalidAuthorizationSpecification,
             lambda: wfauth_app.request(conn, "wfat_" + "A" * 49, "SELECT 1")))
# a write: committed, and answered with the number of rows it changed
dba.execute("SELECT wfauth.grant_permission('dashboards', '{dana@example.com}')")
check("a write through request() commits and returns its row count",
      wfauth_app.request(conn, session, "INSERT INTO app.dashboards (title) VALUES (%s)", ("written",)) == 1
      and dba.execute("SELECT count(*) FROM app.dashboards WHERE title = 'written'").fetchone()[0] == 1)
dba.execute("SELECT wfauth.revoke_permission('dashboards', '{dana@example.com}')")
check("a request the principal may not make is InsufficientPrivilege (42501)",
      raises(errors.InsufficientPrivilege,
             lambda: wfauth_app.request(conn, session, "SELECT wfauth.create_group(%s)", ("Ops",))))

# decisions follow memberships from one transaction to the next on one
# connection: through the README's connection, and through one that uses
# psycopg's default named prepared statements (prepared after 5 runs)
prepared = psycopg.connect(dsn_app, autocommit=True)
seen, seen_prepared, expected = [], [], []
for i in range(12):
    member = i % 2 == 1
    dba.execute("SELECT wfauth.%s('Engineering', '{dana@example.com}')"
                % ("add_members" if member else "remove_members"))
    expected.append(1 if member else 0)
    seen.append(len(wfauth_app.request(conn, token, "SELECT id FROM app.dashboards WHERE title = %s", ("X",))))
    seen_prepared.append(len(wfauth_app.request(prepared, token, "SELECT id FROM app.dashboards WHERE title = %s", ("X",))))
check("each transaction decides with the memberships committed before it", seen == expected)
check("... with named prepared statements too: no cached plan freezes a decision", seen_prepared == expected)
check("the session token works as well as the API token",
      len(wfauth_app.request(conn, session, "SELECT id FROM app.dashboards")) >= 0)

# the autocommit mistake under wfauth.require_principal, and both fixes
conn.execute("SELECT wfauth.authenticate_token(%s)", (token,))
check("autocommit: reading in the statement after authenticating is 28000",
      raises(errors.InvalidAuthorizationSpecification, lambda: conn.execute("SELECT * FROM app.dashboards")))
with conn.transaction():
    conn.execute("SELECT wfauth.authenticate_token(%s)", (token,))
    in_transaction = conn.execute("SELECT wfauth.current_principal()").fetchone()[0]
with conn.pipeline():
    conn.execute("SELECT wfauth.authenticate_token(%s)", (token,))
    in_pipeline = conn.execute("SELECT wfauth.current_principal()").fetchone()[0]
dana = dba.execute("SELECT wfauth.account_id('dana@example.com')").fetchone()[0]
check("fix 1: one transaction", in_transaction == dana)
check("fix 2: one pipeline", in_pipeline == dana)
print("1..%d" % n)
