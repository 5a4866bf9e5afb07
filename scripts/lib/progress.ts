// A dependency-free progress reporter: a redrawn bar on a terminal, a line every 10% otherwise (logs, CI).
const WIDTH = 28;
let lastStep = "";
let lastDecile = -1;

export function printProgress(step: string, done: number, total: number): void {
  const ratio = total > 0 ? Math.min(1, done / total) : 1;
  if (process.stdout.isTTY) {
    const filled = Math.round(ratio * WIDTH);
    const bar = "█".repeat(filled) + "░".repeat(WIDTH - filled);
    process.stdout.write(`\r  ${bar} ${String(Math.round(ratio * 100)).padStart(3)}%  ${step} ${done}/${total}\x1b[K`);
    if (done >= total) process.stdout.write("\n");
    return;
  }
  const decile = Math.floor(ratio * 10);
  if (step !== lastStep || decile !== lastDecile) {
    if (step !== lastStep || decile === 10 || decile % 5 === 0) console.log(`  ${step}: ${done}/${total} (${Math.round(ratio * 100)}%)`);
    lastStep = step;
    lastDecile = decile;
  }
}
