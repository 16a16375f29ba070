#!/usr/bin/python3
"""make demo, last part: the product's question through the application's path.

    demo_app.py DSN_APP DSN_DBA

Uses wfauth_app, the module of the README's "Using wfauth from an
application" (the harness extracts it from README.md): Dana logs in with her
password, the nightly-export service account authenticates with its API
token, each request in a transaction of its own, every secret a bound
parameter.  Prints who asks and what each may do with dashboards X and X2.
"""
import sys

import psycopg

import wfauth_app

dsn_app, dsn_dba = sys.argv[1:3]
password = "Dana's demo passphrase"
with psycopg.connect(dsn_dba, autocommit=True) as dba:       # set-up, as a DBA
    dba.execute("SELECT wfauth.set_password(%s, %s)", ("dana@example.com", password))
    token = dba.execute("SELECT wfauth.generate_token(%s, %s)", ("sa::nightly-export", "demo")).fetchone()[0]

conn = wfauth_app.connect(dsn_app)                           # as the application's role
session = wfauth_app.login(conn, "dana@example.com", password)
question = """SELECT wfauth.current_principal() AS asking, d.title, m::text AS access,
                     wfauth.can_access(wfauth.current_principal(), d.acl, m) AS allowed
                FROM app.dashboards d, unnest(ARRAY['view', 'modify']::wfauth.access_mode[]) m
               WHERE d.title = ANY(%s) ORDER BY d.title, m"""
print()
print("== 10. The application's path =========================================")
print("Dana logs in (wfauth.login, password bound as $2) and asks, in a request of")
print("her own; the service account sa::nightly-export authenticates with its API")
print("token (bound as $1) in another. Each request is one transaction.")
names = dict(psycopg.connect(dsn_dba).execute(
    "SELECT id, name FROM wfauth.principals WHERE name IN ('dana@example.com', 'sa::nightly-export')").fetchall())
print()
print("  %-20s %-9s %-7s %s" % ("asking", "dashboard", "access", "allowed"))
for secret in (session, token):
    for asking, title, access, allowed in wfauth_app.request(conn, secret, question, (["X", "X2"],)):
        print("  %-20s %-9s %-7s %s" % (names[asking], title, access, "yes" if allowed else "no"))
print()
print("(A service account views only with the kind's permission: sa::nightly-export")
print("has no 'dashboards' permission, so it sees no dashboard, shared or not.)")
print()
print("What each one's SELECT returns, in its own request:")
for secret in (session, token):
    rows = wfauth_app.request(conn, secret, "SELECT wfauth.current_principal(), title FROM app.dashboards ORDER BY title")
    who = names[wfauth_app.request(conn, secret, "SELECT wfauth.current_principal()")[0][0]]
    print("  %-20s %s" % (who, ", ".join(t for _, t in rows) or "(nothing)"))
