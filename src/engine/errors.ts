// One error type for everything a user can get wrong: the CLI prints `file: message` on one line
// (exit code 2) and the extension shows the same line in a notification.
export class SbnnError extends Error {
  constructor(
    readonly file: string | null,
    readonly detail: string,
  ) {
    super(file ? `${file}: ${detail}` : detail);
    this.name = 'SbnnError';
  }
}

export const isSbnnError = (e: unknown): e is SbnnError => e instanceof SbnnError;
