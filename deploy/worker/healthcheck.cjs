#!/usr/bin/env node
/**
 * The worker image's health check (Dockerfile HEALTHCHECK, and the worker services of
 * docker-compose.yml): healthy while an `autoseg worker` process runs in the container and, when
 * TEMPORAL_ADDRESS names a port, holds an established TCP connection to it (the worker's
 * long polls keep one open to the Temporal frontend, so a worker that lost its cluster turns
 * unhealthy until it reconnects). Read from /proc: the slim image has no ps, pgrep or ss.
 * Exit 0 healthy, 1 not, with the reason on stdout (docker inspect shows it).
 */
'use strict';
const { readdirSync, readFileSync, readlinkSync } = require('node:fs');
const { basename } = require('node:path');

function readOr(path, fallback) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

/** Pids of `node .../autoseg(.js) ... worker` processes that are not zombies. */
function workerPids() {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const argv = readOr(`/proc/${entry}/cmdline`, '').split('\0');
    const cli = argv.findIndex((a) => basename(a) === 'autoseg.js' || basename(a) === 'autoseg');
    if (cli < 0 || !argv.slice(cli + 1).includes('worker')) continue;
    // /proc/<pid>/stat: "pid (comm) state ..."; Z is a zombie.
    const state = readOr(`/proc/${entry}/stat`, '').replace(/^.*\)\s*/, '').charAt(0);
    if (state !== '' && state !== 'Z') pids.push(entry);
  }
  return pids;
}

/** The port of TEMPORAL_ADDRESS (host:port, [v6]:port), or undefined. */
function temporalPort() {
  const m = /:(\d+)$/.exec((process.env.TEMPORAL_ADDRESS || '').trim());
  return m ? Number(m[1]) : undefined;
}

/** Socket inodes of ESTABLISHED (state 01) TCP connections whose remote port is `port`. */
function establishedTo(port) {
  const inodes = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readOr(table, '').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const remotePort = parseInt(f[2].split(':')[1], 16);
      if (remotePort === port && f[3] === '01') inodes.add(f[9]);
    }
  }
  return inodes;
}

function socketsOf(pid) {
  const inodes = new Set();
  let fds = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

function check() {
  const pids = workerPids();
  if (pids.length === 0) return [false, 'no `autoseg worker` process is running'];
  const port = temporalPort();
  if (port === undefined) return [true, `autoseg worker running (pid ${pids.join(', ')})`];
  const established = establishedTo(port);
  for (const pid of pids) {
    for (const inode of socketsOf(pid)) {
      if (established.has(inode)) return [true, `autoseg worker (pid ${pid}) connected to Temporal at ${process.env.TEMPORAL_ADDRESS}`];
    }
  }
  return [false, `autoseg worker (pid ${pids.join(', ')}) has no connection to Temporal at ${process.env.TEMPORAL_ADDRESS}`];
}

const [healthy, why] = check();
console.log(why);
process.exit(healthy ? 0 : 1);
