// The Node.js example of docs/app-integration.md, run unchanged with pg.
//   node check.js   (PGHOST, PGPORT, PGDATABASE, PGUSER: the application's
//   role; TOKEN, PASSWORD, DANA: Dana's API token, password and id)
// wfauth_app.js (extracted by test/tap/node.sh) is required as the
// application would.  Prints one "ok"/"not ok" line per check (TAP body).
const pg = require('pg');
const { login, request } = require('./wfauth_app.js');

let n = 0;
function check(what, ok) {
  n += 1;
  console.log(`${ok ? 'ok' : 'not ok'} ${n} - ${what}`);
}
async function code(promise) {
  try { await promise; return 'ok'; } catch (err) { return err.code; }
}

(async () => {
  const pool = new pg.Pool();
  const session = await login(pool, 'dana@example.com', process.env.PASSWORD);
  check('login with bound parameters returns a session token', session.startsWith('wfas_'));
  check("a wrong password rejects with code '28P01'",
        await code(login(pool, 'dana@example.com', 'not dana\'s passphrase')) === '28P01');
  check("a bad token rejects with code '28000'",
        await code(request(pool, 'wfat_' + 'A'.repeat(49), 'SELECT 1')) === '28000');
  check("a request the principal may not make rejects with code '42501'",
        await code(request(pool, session, 'SELECT wfauth.create_group($1)', ['Ops'])) === '42501');
  const rows = await request(pool, session, 'SELECT id, title FROM app.dashboards ORDER BY id');
  check('a read returns the rows the principal may see', rows.length === 1 && rows[0].title === 'X');
  const me = await request(pool, process.env.TOKEN, 'SELECT wfauth.current_principal() AS id');
  check('int8 ids arrive as BigInt', typeof me[0].id === 'bigint' && me[0].id === BigInt(process.env.DANA));
  check('a write returns its row count',
        await request(pool, session, 'INSERT INTO app.dashboards (title) VALUES ($1)', ['written']) === 1);
  const after = await request(pool, session, 'SELECT count(*) AS n FROM app.dashboards');
  check('... and was committed', after[0].n === 2n);
  const nobody = await pool.query('SELECT count(*) AS n FROM app.dashboards');
  check('without authenticating, the pool reads nothing', nobody.rows[0].n === 0n);
  await pool.end();
  console.log(`1..${n}`);
})().catch((err) => { console.log(`not ok ${n + 1} - the example ran to its end: ${err.message}`); process.exit(1); });
