#!/usr/bin/python3
"""Many clients of one application, through a transaction-pooling pgbouncer.

    clients.py safe|unsafe DSN ACCOUNTS_FILE CLIENTS TRANSACTIONS

ACCOUNTS_FILE has one "account_id token" line per client.  Each client is a
thread with a connection of its own to the pooler, and runs TRANSACTIONS
requests; every row of app.dashboards names its owner's account id, and only
its owner may see it, so each client can tell when it sees what it must not.

safe    the request pattern of the README: one transaction per request, the
        token as a bind parameter, no named prepared statements
        (prepare_threshold=None).  Mixed in: requests that forget to
        authenticate, that roll back, and that fail half-way.
unsafe  what the README warns against: the token written into the SQL text,
        and named prepared statements (prepare_threshold=0).  Behind a
        transaction pooler older than 1.21, a statement prepared by one
        client on a server connection is executed by another client that
        reuses its name there: swaps counts requests that ran as another
        client's account, other_statements those that got the result of
        another statement altogether.

Prints key=value counts on one line; exits 0 unless the client program itself
broke.
"""
import sys
import threading

import psycopg
from psycopg import errors

mode, dsn, accounts_file, nclients, ntransactions = sys.argv[1], sys.argv[2], sys.argv[3], \
    int(sys.argv[4]), int(sys.argv[5])
accounts = [line.split() for line in open(accounts_file) if line.strip()][:nclients]
counts = {k: 0 for k in ("transactions", "authenticated_reads", "rows_seen", "foreign_rows",
                         "rows_seen_unauthenticated", "swaps", "other_statements", "rolled_back",
                         "failed_halfway", "unauthenticated_requests", "errors")}
lock = threading.Lock()


def add(**kw):
    with lock:
        for k, v in kw.items():
            counts[k] += v


def safe_client(n, account, token):
    me = int(account)
    with psycopg.connect(dsn, autocommit=True, prepare_threshold=None) as conn:
        for i in range(ntransactions):
            kind = (n + i) % 10
            add(transactions=1)
            try:
                with conn.transaction():
                    if kind == 0:       # forgot to authenticate
                        rows = conn.execute("SELECT owner FROM app.dashboards").fetchall()
                        add(unauthenticated_requests=1, rows_seen_unauthenticated=len(rows))
                        continue
                    who = conn.execute("SELECT wfauth.authenticate_token(%s)", (token,)).fetchone()[0]
                    rows = conn.execute("SELECT owner FROM app.dashboards WHERE id > %s", (0,)).fetchall()
                    acting = conn.execute("SELECT wfauth.current_principal()").fetchone()[0]
                    add(authenticated_reads=1, rows_seen=len(rows),
                        foreign_rows=sum(1 for (owner,) in rows if owner != me),
                        swaps=int(who != me or acting != me))
                    if kind == 1:       # the request changes its mind
                        add(rolled_back=1)
                        raise psycopg.Rollback()
                    if kind == 2:       # the request fails half-way
                        conn.execute("SELECT 1 / 0")
            except errors.DivisionByZero:
                add(failed_halfway=1)
            except psycopg.Error:
                add(errors=1)


def unsafe_client(n, account, token):
    me = int(account)
    conn = None
    for _ in range(ntransactions):
        add(transactions=1)
        try:
            if conn is None or conn.closed or conn.broken:   # the pooler drops confused connections
                conn = psycopg.connect(dsn, autocommit=True, prepare_threshold=0)
            with conn.transaction():
                conn.execute("SELECT wfauth.authenticate_token('%s')" % token)
                acting = conn.execute("SELECT wfauth.current_principal()").fetchone()
                rows = conn.execute("SELECT owner FROM app.dashboards").fetchall()
                if acting is None or len(acting) != 1:      # another client's statement ran instead
                    add(other_statements=1)
                    continue
                add(authenticated_reads=1, rows_seen=len(rows),
                    foreign_rows=sum(1 for r in rows if r[0] != me),
                    swaps=int(acting[0] != me))
        except psycopg.Error:
            add(errors=1)
    if conn is not None:
        conn.close()


def run(n, account, token):
    try:
        (safe_client if mode == "safe" else unsafe_client)(n, account, token)
    except Exception as e:                  # a client that could not even connect
        print("client %d: %s" % (n, e), file=sys.stderr)
        add(errors=ntransactions)


threads = [threading.Thread(target=run, args=(n, a, t)) for n, (a, t) in enumerate(accounts)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(" ".join("%s=%d" % kv for kv in counts.items()))
