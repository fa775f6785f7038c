// depth/listening.ts: what server.ts says once it listens (the banner: the command that
// reaches it from this computer and from others), or why it cannot listen.

import { networkInterfaces } from "node:os";
import { hostAndPort, isThisComputer } from "./names.ts";
import { within80 } from "./rows.ts";

const DEFAULT_PORT = 1337; // the tutorial's port
const WIRED_OR_WIFI = /^(en|eth|wl|wi-?fi|ethernet)/i; // wired and Wi-Fi interfaces
const LINK_LOCAL = "169.254."; // a self-assigned IPv4 address: nobody else reaches it

/** Where the server listens (`host` as typed: localhost), and the commands that reach it. */
export function banner(host: string, port: number): string {
  const portOption = port === DEFAULT_PORT ? "" : ` --port ${port}`;
  const everywhere = host === "0.0.0.0" || host === "::"; // the tutorial's ''
  const lines = [`Listening on ${hostAndPort(host, port)}; Ctrl-C stops.`];
  const here = everywhere ? "" : ` ${host}`;
  lines.push(commandRow("On this computer:", `bun client.ts${here}${portOption}`));
  const others = everywhere ? addressesForOthers() : []; // none unless on every address
  for (const { via, address } of others) {
    const command = `bun client.ts ${address}${portOption}`;
    lines.push(commandRow(`From another computer, over ${via}:`, command));
  }
  const firewall = `(A firewall here may have to allow TCP port ${port}.)`;
  if (others.length > 0) lines.push(firewall);
  else if (isThisComputer(host)) lines.push("Other computers cannot connect.");
  return lines.join("\n");
}

/** Where, then the command: on one row, or the command whole on the next, indented, where
 * one row would pass 80 columns (a long interface name, address and port). */
function commandRow(where: string, command: string): string {
  const row = `${where} ${command}`;
  return row.length <= 80 ? row : `${where}\n  ${command}`;
}

type Address = { via: string; address: string }; // an address, and its interface's name
/** The IPv4 addresses other computers can reach this one at, wired and Wi-Fi first. */
export function addressesForOthers(): Address[] {
  const found: Address[] = [];
  for (const [via, addresses] of Object.entries(networkInterfaces())) {
    for (const { address, family, internal } of addresses ?? []) {
      const reachable = family === "IPv4" && !internal && !address.startsWith(LINK_LOCAL);
      if (reachable) found.push({ via, address });
    }
  }
  const later = (one: Address) => Number(!WIRED_OR_WIFI.test(one.via)); // 0 first, then 1
  return found.sort((a, b) => later(a) - later(b)); // a stable sort: the rest keep order
}

/** Turns a failure to listen into one line that says what happened and what to do. */
export function cannotListen(problem: unknown, host: string, port: number): string {
  return within80(whyNot(problem, host, port)); // an address typed may be long
}

/** What happened when the server could not listen, and what to do. */
function whyNot(problem: unknown, host: string, port: number): string {
  const { code, message } = problem as { code?: string; message?: string };
  if (code === "EADDRINUSE")
    return `Port ${port} is in use: stop the other server (Ctrl-C), or use another --port.`;
  // Windows reserves ranges of ports (Hyper-V, WSL): it lists them so, and only there.
  const netsh = "Reserved: netsh interface ipv4 show excludedportrange protocol=tcp";
  const windows = process.platform === "win32" ? `\n${netsh}` : "";
  if (code === "EACCES" && port > 1023)
    return `Port ${port} is reserved or blocked: try another --port.${windows}`;
  if (code === "EACCES")
    return `Port ${port} may need special privileges: use one above 1023, such as --port 1337.`;
  // All Bun says of an address not on this computer, or of a name not found:
  if (message?.startsWith("Failed to listen"))
    return `This computer has no address ${host}: use one of its own, or no --host.`;
  return `The server stopped: ${message ?? String(problem)}`;
}
