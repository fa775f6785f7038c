// depth/connect.ts: the client's connect as the depth makes it. client.ts calls its
// connect(how, options) in place of Bun.connect when this folder is beside it: a failure
// is named truly, each address of a name is tried, and with --trace each call Bun makes to
// the client's functions is told (trace.ts).
//
// Bun 1.4.5 calls "no route" and "nobody answers" "refused" (oven-sh/bun#37093). So before
// it connects, connect() looks the name up itself (within --timeout, IPv4 first as the
// tutorial's AF_INET socket, international names too), asks the system for a route (a UDP
// "connect" sends nothing at all), and times the connect: a refusal within SURE ms came
// from the computer itself; a later one may be either (ARP gives up after 3 s, Windows
// retries a refusal for 2 s), and the line says so. Each line is tested by making its
// condition for real in network namespaces (tests/diagnoses.test.ts).

import { isIP } from "node:net";
import type { SocketHandler } from "bun";
import { hostAndPort, isThisComputer, LookupFailed, lookAll } from "./names.ts";
import type { ClientOptions } from "./options.ts";
import { within80 } from "./rows.ts";
import { traced } from "./trace.ts";

const SURE = 500; // ms: a refusal sooner than this came from the computer itself
const APART = "School or guest Wi-Fi may keep devices apart: try a phone's hotspot.";

/** What client.ts gives Bun.connect: where, its functions, and what it keeps. */
type Connect<T> = { hostname: string; port: number; socket: SocketHandler<T>; data: T };

/**
 * Bun.connect, with the name looked up and the route checked first, failures named. A
 * name with several addresses (localhost: 127.0.0.1 and ::1) is tried at each in turn,
 * IPv4 first, as Python's create_connection() does; the last failure is the one told.
 */
export async function connect<T>(how: Connect<T>, options: ClientOptions) {
  const { host, port, timeout, trace } = options;
  if (trace) how = { ...how, socket: traced(how.socket) };
  let addresses: string[];
  try {
    addresses = await lookAll(host, timeout);
  } catch (problem) {
    if (problem instanceof LookupFailed) quit(problem.message);
    throw problem;
  }
  let failure = "";
  for (const address of addresses) {
    const said = { host, address, port, timeout };
    const noRoute = await checkRoute(said); // no route from here: nothing is sent
    if (noRoute) {
      failure = noRoute;
      continue;
    }
    const started = performance.now(); // when the connect starts: refusals are timed
    try {
      return await Bun.connect<T>({ ...how, hostname: address });
    } catch (problem) {
      failure = diagnosis(problem, performance.now() - started, said);
    }
  }
  quit(failure);
}

type Said = { host: string; address: string; port: number; timeout: number };

/** Asks the system for a route to the address (a UDP "connect" sends nothing at all):
 * what to say if there is none, else "". */
async function checkRoute(said: Said): Promise<string> {
  const any = isIP(said.address) === 6 ? "::" : "0.0.0.0"; // a socket of its family
  try {
    const to = { hostname: said.address, port: said.port };
    const probe = await Bun.udpSocket({ hostname: any, connect: to });
    probe.close();
  } catch (problem) {
    const { code } = problem as { code?: string }; // Bun.connect would say "refused"
    if (code === "ENETUNREACH" || code === "EHOSTUNREACH") return diagnosis(problem, 0, said);
  } // anything else: the connect itself will tell
  return "";
}

/**
 * What to say of a failed connect that took `took` ms: only what is known. The first line
 * fits a row of 80 columns where the address does (what happened, and what to do); the
 * detail, where it helps, follows on lines of its own; a hint for one system only there.
 */
export function diagnosis(problem: unknown, took: number, said: Said): string {
  const { host, address, port, timeout } = said;
  const where = hostAndPort(host, port);
  const { code, message } = problem as { code?: string; message?: string };
  const macOS = macOSHint(host);
  const check = "check the address and the network";
  if (code === "ENETUNREACH")
    return `No route from here to ${address}: ${check}.\n${APART}${macOS}`;
  if (code === "EHOSTUNREACH")
    return `No computer answers at ${address}: ${check}.\n${APART}${macOS}`;
  if (code === "ECONNREFUSED" && isThisComputer(host))
    return `Connection refused by ${where}: start the server first (nobody listens).`;
  const nobody = `Nobody listens on port ${port} there, or a firewall says no.`;
  if (code === "ECONNREFUSED" && took < SURE)
    return `Connection refused by ${where}: start the server, or check --port.\n${nobody}${macOS}`;
  const which = "No computer answers, or nobody listens there: Bun cannot tell which.";
  const seconds = (took / 1000).toFixed(1);
  if (code === "ECONNREFUSED")
    return `No connection to ${where} after ${seconds} s: is the address right?\n${which}\n${APART}${macOS}`;
  if (code === "ETIMEDOUT")
    return `No answer from ${where} in ${timeout} s.\nCheck the address, --port, the firewall, the server.`;
  // With IPv6 off, the system has no address of its own to connect from to an IPv6 one.
  const ipv6Off = `${address} is IPv6, which is off on this computer.`;
  const v4 = isThisComputer(address) ? "127.0.0.1" : "the computer's IPv4 address";
  if (code === "EADDRNOTAVAIL" && isIP(address) === 6) return `${ipv6Off}\nUse ${v4} instead.`;
  const ports = "No port of this computer is free to connect from: close some connections.";
  if (code === "EADDRNOTAVAIL")
    return `${ports}\nOr wait a minute: closed ones hold their ports a while.`;
  if (code === "ECONNRESET")
    return `Connection reset by ${where} as it began: try again.\nA firewall said no, or the server is full.`;
  const what = code ?? (message || String(problem)); // Bun's words: all that is known
  return `No connection to ${where} (${what}).\nCheck the address, --port, the firewall, the server.`;
}

/** macOS asks each program before it reaches the local network: a line on macOS only. */
function macOSHint(host: string): string {
  if (process.platform !== "darwin" || isThisComputer(host)) return "";
  return "\nOn macOS, allow Local Network for your terminal (System Settings, Privacy).";
}

/** One line on standard error; exit 1, a network problem. */
function quit(line: string): never {
  console.error(within80(line));
  process.exit(1);
}
