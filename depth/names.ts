// depth/names.ts: names and addresses as people type them, and what a name stands for.
// Used by depth/options.ts (the server's --host, the client's HOST) and depth/connect.ts.

import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { domainToASCII } from "node:url";

/** A host and port as people type them: 10.0.0.5:1337, or [::1]:1337 for IPv6. */
export function hostAndPort(host: string, port: number): string {
  if (host.includes(":")) return `[${host}]:${port}`;
  return `${host}:${port}`;
}

/** Whether a host is this computer's own loopback, which other computers cannot reach. */
export function isThisComputer(host: string): boolean {
  return /^(127\.|::1$|localhost$)/.test(host);
}

/** A host alone, as the tutorial writes one: a name or address; no brackets, no port. */
export function checkHost(host: string): string {
  const name = /^[\p{L}\p{N}\p{M}_.-]+$/u; // a name, in any script, or an IPv4 address
  // What the system would take for an address although it is not four numbers: 1337,
  // 10.20.0, 0x539; and, once a name in another script is made ASCII, ５ and ⁵ too.
  const numeric = /^(0x[\da-f]*|\d+)(\.(0x[\da-f]*|\d+))*\.?$/i;
  const linkLocal = /^fe[89ab]/i; // fe80::1: the same on every network, so which one?
  const group = /^(22[4-9]|23\d)\.|^255\.255\.255\.255$|^ff/i; // multicast, broadcast
  const withPort = /^([^:]+|\[.*\]):(\d+)$/.exec(host); // 10.0.0.5:1337, [::1]:1337
  const digits = /^[\p{N}.]+$/u.test(host); // digits of any script, and dots
  if (isIP(host) === 0 && (digits || numeric.test(domainToASCII(host) || host))) {
    // Only the digits 0-9 make an address: anything else would reach one unasked.
    if (!/^[\x20-\x7e]*$/.test(host))
      throw Error(`"${host}" is not an address: type its digits as 0-9, as in 192.168.1.20`);
    if (/^\d{1,5}$/.test(host))
      throw Error(`"${host}" is not an address: for a port, --port ${host}`);
    throw Error(`"${host}" is not an address: one has four numbers, such as 192.168.1.20`);
  }
  const scope = `add its interface, as in ${host}%eth0`; // Windows: a number, %12
  if (isIP(host) === 6 && linkLocal.test(host) && !host.includes("%"))
    throw Error(`"${host}" is link-local: ${scope}`);
  const many = "a multicast or broadcast address: TCP needs one computer's";
  if (isIP(host) !== 0 && group.test(host)) throw Error(`${host} is ${many}`);
  if (isIP(host) !== 0 || name.test(host)) return host; // isIP: 4 or 6, or 0 for neither
  const [, alone, port] = withPort ?? [];
  if (alone !== undefined && port !== undefined) {
    const bare = alone.replace(/^\[(.*)\]$/, "$1");
    throw Error(`"${host}": give the port apart, as in ${bare} --port ${port}`);
  }
  const inBrackets = /^\[(.*)\]$/.exec(host)?.[1];
  if (inBrackets !== undefined) throw Error(`"${host}": write it without brackets: ${inBrackets}`);
  throw Error(`"${host}" is not a name or address alone: give the port with --port`);
}

/** Why a name has no address: the line a person sees. */
export class LookupFailed extends Error {}

/** A name's address, as Python's connect() and bind() find it: IPv4 first, as theirs. */
export async function lookUp(name: string, seconds: number): Promise<string> {
  const [first] = await lookAll(name, seconds);
  return first!;
}

/** Every address of a name, IPv4 first (localhost: 127.0.0.1, then ::1); never none. */
export async function lookAll(name: string, seconds: number): Promise<string[]> {
  if (isIP(name) !== 0) return [name]; // an address already
  const slow = `Looking up "${name}" took over ${seconds} s: use its address instead.`;
  let timer: Timer | undefined;
  const late = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new LookupFailed(slow)), seconds * 1000);
  });
  const ascii = domainToASCII(name); // exämple.com is looked up as xn--exmple-cua.com
  const asked = lookup(ascii, { all: true }).catch(() => []); // [] if none is found
  const found = await Promise.race([asked, late]).finally(() => clearTimeout(timer));
  const sorted = found.sort((a, b) => a.family - b.family); // family 4 before 6
  const addresses = [...new Set(sorted.map((one) => one.address))];
  if (addresses.length === 0)
    throw new LookupFailed(`No computer named "${name}": check it, or use its address.`);
  return addresses;
}
