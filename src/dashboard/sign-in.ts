/**
 * Checking a dashboard sign-in: the access key and secret against the same accounts the SigV4
 * layer uses (S3BATCH_CREDENTIALS), compared in constant time, and the slowing down of repeated
 * failures, per access key and per client address.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Account } from '../config/config.js';

/** Failures allowed before waits begin, then the wait doubles per failure up to MAX_WAIT_MS. */
const FREE_FAILURES = 5;
const FIRST_WAIT_MS = 1_000;
const MAX_WAIT_MS = 15 * 60_000;
/** A key or address with no failure for this long starts again from zero. */
const FORGET_AFTER_MS = 60 * 60_000;
/** Bounds the memory an attacker trying many keys or addresses can make the server hold. */
const MAX_TRACKED = 10_000;

interface Failures {
  count: number;
  lastMs: number;
}

export interface SignInThrottle {
  /** Milliseconds the key or address must still wait before trying again (0: it may try now). */
  waitMs(accessKeyId: string, address: string, nowMs: number): number;
  failed(accessKeyId: string, address: string, nowMs: number): void;
  succeeded(accessKeyId: string, address: string): void;
}

/**
 * Node-local: with several nodes behind one address each node counts its own failures, so an
 * attacker gets FREE_FAILURES per node before the waits — still exponential from there on.
 */
export function createSignInThrottle(): SignInThrottle {
  const byKey = new Map<string, Failures>();
  const byAddress = new Map<string, Failures>();
  const wait = (f: Failures | undefined, nowMs: number): number => {
    if (!f || f.count < FREE_FAILURES || nowMs - f.lastMs >= FORGET_AFTER_MS) return 0;
    const ms = Math.min(MAX_WAIT_MS, FIRST_WAIT_MS * 2 ** (f.count - FREE_FAILURES));
    return Math.max(0, f.lastMs + ms - nowMs);
  };
  const bump = (map: Map<string, Failures>, name: string, nowMs: number): void => {
    const f = map.get(name);
    if (f && nowMs - f.lastMs < FORGET_AFTER_MS) {
      f.count += 1;
      f.lastMs = nowMs;
      return;
    }
    if (map.size >= MAX_TRACKED) {
      for (const [k, v] of map) if (nowMs - v.lastMs >= FORGET_AFTER_MS) map.delete(k);
      // Still full: drop the oldest entry (Map keeps insertion order).
      if (map.size >= MAX_TRACKED) map.delete(map.keys().next().value as string);
    }
    map.set(name, { count: 1, lastMs: nowMs });
  };
  return {
    waitMs: (key, address, nowMs) => Math.max(wait(byKey.get(key), nowMs), wait(byAddress.get(address), nowMs)),
    failed(key, address, nowMs) {
      bump(byKey, key, nowMs);
      bump(byAddress, address, nowMs);
    },
    succeeded(key) {
      // The address keeps its count: one good key must not reset the guessing of others from there.
      byKey.delete(key);
    },
  };
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** The account whose key pair this is, or undefined; the secret is compared in constant time. */
export function verifyKeyPair(accounts: readonly Account[], accessKeyId: string, secretAccessKey: string): Account | undefined {
  const given = digest(secretAccessKey);
  // An unknown key is compared against a dummy, so that timing does not tell keys apart.
  const account = accounts.find((a) => a.accessKeyId === accessKeyId);
  const expected = digest(account?.secretAccessKey ?? '\u0000no such key');
  return timingSafeEqual(given, expected) && account ? account : undefined;
}
