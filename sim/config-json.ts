import { ConfigError } from '../core/errors.ts'

/** Parses JSON a user wrote (a fault schedule, an environment); a syntax error is one ConfigError line. */
export function parseConfigJson(json: string): unknown {
  try {
    return JSON.parse(json)
  } catch (cause) {
    // JSON.parse quotes the text, newlines and all: one line, whatever the file holds.
    throw new ConfigError(`not valid JSON: ${(cause as Error).message.replace(/\s+/g, ' ')}`)
  }
}

/** Refuses a field `fields` does not have: a misspelt one would be dropped and its default used, a different run from the one written. */
export function refuseUnknownFields(raw: object, fields: object, which: string): void {
  const known = Object.keys(fields)
  const unknown = Object.keys(raw).find((key) => !known.includes(key))
  if (unknown !== undefined) throw new ConfigError(`${which} has an unknown field ${JSON.stringify(unknown)} (its fields: ${known.join(', ')})`)
}
