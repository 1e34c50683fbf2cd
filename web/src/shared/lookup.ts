/** `table[key]` for a key from outside (a server code, a role), ignoring inherited names like "toString". */
export function lookup<V>(table: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined
}
