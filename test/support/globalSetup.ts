// PLACEHOLDER: the PostgreSQL harness (issue 2) replaces this.
export default async function setup(): Promise<() => Promise<void>> {
  return async () => undefined;
}
