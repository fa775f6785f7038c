// A folder for each person, with the files that person needs and nothing else, to copy
// to a USB stick or a shared drive, or to compress (right-click: Compress, or Send to:
// Compressed folder) and send through the class's chat.
//   bun run pack [FOLDER]     (default: roles/)
// README.md ("What each person needs") says why each file is there.

import { cpSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const into = process.argv[2] ?? join(ROOT, "roles");

/** Each role: its folder's name, and the files and folders it holds (from the project). */
const ROLES: Record<string, string[]> = {
  // Lessons 1 and 2: the lesson pair, the depth for the class and the banner, the handout.
  // scripts/capture.py: the walkthrough's "See the sockets" runs it.
  teacher: [
    "server.ts",
    "client.ts",
    "depth",
    "exercises",
    "scripts/capture.py",
    "WALKTHROUGH.md",
    "HANDOUT.md",
  ],
  // Lessons 1 and 2 on one computer: the pair runs alone; depth/ adds the diagnoses and
  // --help; the exercises run server.ts and client.ts from the folder above them.
  "student-one-computer": ["server.ts", "client.ts", "depth", "exercises", "HANDOUT.md"],
  // Lesson 2, the second computer: the client reaches the teacher's server; depth/ names
  // each failure truly (the handout's four lines), as the README says.
  "student-second-computer": ["client.ts", "depth", "HANDOUT.md"],
  // Lesson 3: the chat's client and the pair work's start each run alone; the teacher
  // runs exercises/chat-server.ts.
  "student-lesson-3": [
    "exercises/chat-client.ts",
    "exercises/chat-start.ts",
    "exercises/worksheet-3.md",
    "HANDOUT.md",
  ],
};

rmSync(into, { recursive: true, force: true });
for (const [role, files] of Object.entries(ROLES)) {
  const folder = join(into, role);
  mkdirSync(folder, { recursive: true });
  for (const file of files) {
    // Lesson 3's files sit at the top of its folder: bun chat-client.ts.
    const name = role === "student-lesson-3" ? file.replace("exercises/", "") : file;
    cpSync(join(ROOT, file), join(folder, name), { recursive: true });
  }
  console.log(`${folder}: ${files.join(", ")}`);
}
