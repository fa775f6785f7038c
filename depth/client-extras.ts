// depth/client-extras.ts: what depth/ adds to client.ts, in the one module it loads (by a
// literal path, so that tsc checks each call): every option (options.ts), and a connect
// that names each failure truly, tries each address of a name and, with --trace, tells
// each call Bun makes to the client's functions (connect.ts).

export { connect } from "./connect.ts";
export { clientOptions } from "./options.ts";
