#!/usr/bin/env node
// Wait until a Neo4j server answers a real Bolt session: verifyConnectivity() + `RETURN 1`.
//
//   node scripts/wait-bolt.mjs [--timeout SECONDS] [--uri URI] [--quiet]
//
// Environment:
//   NEO4J_URI            default bolt://127.0.0.1:$NEO4J_BOLT_PORT (port default 7687)
//   NEO4J_AUTH           "none" or "user/password"; default neo4j/knowledge-dev
//   NEO4J_DATABASE       optional database for the probe query (default: server default)
//   NEO4J_WAIT_TIMEOUT   seconds, default 120 (--timeout wins)
//
// Exit 0 when the probe query succeeds; exit 1 with the last error on timeout; exit 2 on bad
// arguments. Authentication failures are not retried (a wrong password will not fix itself,
// and Neo4j rate-limits repeated failed logins): they exit 4 at once.
import neo4j from 'neo4j-driver';

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [k, inline] = a.includes('=') ? a.split(/=(.*)/s) : [a, undefined];
    const val = () => (inline !== undefined ? inline : argv[++i]);
    if (k === '--timeout') out.timeout = Number(val());
    else if (k === '--uri') out.uri = val();
    else if (k === '--quiet' || k === '-q') out.quiet = true;
    else if (k === '--help' || k === '-h') out.help = true;
    else throw new Error(`unknown argument: ${a}`);
  }
  return out;
}

function authFromEnv(value) {
  const raw = value ?? 'neo4j/knowledge-dev';
  if (raw === 'none' || raw === '') return neo4j.auth.none();
  const slash = raw.indexOf('/');
  if (slash <= 0) throw new Error('NEO4J_AUTH must be "none" or "user/password"');
  return neo4j.auth.basic(raw.slice(0, slash), raw.slice(slash + 1));
}

const AUTH_CODES = new Set([
  'Neo.ClientError.Security.Unauthorized',
  'Neo.ClientError.Security.AuthenticationRateLimit',
  'Neo.ClientError.Security.CredentialsExpired',
]);

async function probeOnce(uri, auth, database) {
  const driver = neo4j.driver(uri, auth, {
    connectionTimeout: 3000,
    connectionAcquisitionTimeout: 5000,
    maxConnectionPoolSize: 1,
    disableLosslessIntegers: true,
  });
  try {
    await driver.verifyConnectivity(database ? { database } : undefined);
    const session = driver.session({ defaultAccessMode: neo4j.session.READ, ...(database ? { database } : {}) });
    try {
      const res = await session.run('RETURN 1 AS ok');
      const ok = res.records[0]?.get('ok');
      if (ok !== 1) throw new Error(`unexpected probe result: ${JSON.stringify(ok)}`);
      return res.summary.server?.agent ?? 'neo4j';
    } finally {
      await session.close();
    }
  } finally {
    await driver.close();
  }
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`[wait-bolt] ${e.message}`);
    return 2;
  }
  if (args.help) {
    console.log('usage: node scripts/wait-bolt.mjs [--timeout SECONDS] [--uri URI] [--quiet]');
    return 0;
  }
  const port = process.env.NEO4J_BOLT_PORT || '7687';
  const uri = args.uri || process.env.NEO4J_URI || `bolt://127.0.0.1:${port}`;
  const timeoutS = Number.isFinite(args.timeout) ? args.timeout : Number(process.env.NEO4J_WAIT_TIMEOUT || 120);
  const database = process.env.NEO4J_DATABASE || undefined;
  let auth;
  try {
    auth = authFromEnv(process.env.NEO4J_AUTH);
  } catch (e) {
    console.error(`[wait-bolt] ${e.message}`);
    return 2;
  }

  const started = Date.now();
  const deadline = started + timeoutS * 1000;
  let lastErr;
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      const agent = await probeOnce(uri, auth, database);
      if (!args.quiet) {
        console.error(`[wait-bolt] ${uri} ready (${agent}) after ${((Date.now() - started) / 1000).toFixed(1)} s, ${attempts} attempt(s)`);
      }
      return 0;
    } catch (e) {
      lastErr = e;
      if (e && AUTH_CODES.has(e.code)) {
        console.error(`[wait-bolt] authentication failed at ${uri}: ${e.code}: ${e.message}`);
        return 4;
      }
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(0, deadline - Date.now()))));
  }
  const code = lastErr?.code ? `${lastErr.code}: ` : '';
  console.error(`[wait-bolt] ${uri} not ready after ${timeoutS} s (${attempts} attempts); last error: ${code}${lastErr?.message ?? lastErr}`);
  return 1;
}

process.exitCode = await main();
