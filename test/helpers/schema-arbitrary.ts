import fc from 'fast-check';

/** The part of JSON Schema the API's OpenAPI document uses. */
export interface JsonSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | 'null';
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  minProperties?: number;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  not?: JsonSchema;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
}

const INT32 = 2 ** 31;

/** Strings a careless or hostile client sends, whatever the field. */
export const HOSTILE_STRINGS = [
  '',
  ' ',
  "'; DROP TABLE orders; --",
  '{"$gt":""}',
  '$where',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  'a\u0000b',
  '\u202eevil',
  '😀',
  '1e309',
  'null',
];

/**
 * RFC 3339 timestamps, biased to the edges: leap seconds (`23:59:60`, UTC or shifted by an offset),
 * the last minute of a day, odd offsets, lowercase separators, long fractions, the first and last
 * years. Edges are common here: a uniform draw would almost never hit one.
 */
export function rfc3339(): fc.Arbitrary<string> {
  const two = (n: number) => String(n).padStart(2, '0');
  const edge = (values: number[], max: number) =>
    fc.oneof(
      { arbitrary: fc.constantFrom(...values), weight: 3 },
      { arbitrary: fc.integer({ min: 0, max }), weight: 1 },
    );
  const date = fc.record({
    year: fc.oneof(fc.constantFrom(0, 1, 1970, 2016, 9999), fc.integer({ min: 0, max: 9999 })),
    month: fc.integer({ min: 1, max: 12 }),
    day: edge([1, 28, 29, 30, 31], 31).filter((d) => d >= 1),
    t: fc.constantFrom('T', 't'),
    fraction: fc.constantFrom('', '.5', '.123456789'),
  });
  const text = (d: { year: number; month: number; day: number; t: string }) =>
    `${String(d.year).padStart(4, '0')}-${two(d.month)}-${two(d.day)}${d.t}`;
  const anyTime = fc
    .record({
      date,
      hour: edge([0, 23], 23),
      minute: edge([0, 59], 59),
      second: edge([0, 59, 60], 60),
      zone: fc.constantFrom('Z', 'z', '+00:00', '-00:00', '+14:00', '-12:00', '+05:30'),
    })
    .map((p) => `${text(p.date)}${two(p.hour)}:${two(p.minute)}:${two(p.second)}${p.date.fraction}${p.zone}`);
  // The leap second of a UTC day, written in UTC or as the same instant an hour ahead.
  const leapSecond = fc
    .tuple(date, fc.constantFrom(['23', 'Z'], ['23', 'z'], ['23', '+00:00'], ['00', '+01:00']))
    .map(([d, [hour, zone]]) => `${text(d)}${hour}:59:60${d.fraction}${zone}`);
  return fc.oneof({ arbitrary: anyTime, weight: 3 }, { arbitrary: leapSecond, weight: 1 });
}

function validString(s: JsonSchema): fc.Arbitrary<string> {
  const minLength = s.minLength ?? 0;
  const maxLength = s.maxLength ?? 80;
  const fits = (v: string) => v.length >= minLength && v.length <= maxLength;
  switch (s.format) {
    case 'date-time':
      return rfc3339();
    case 'email':
      return fc.emailAddress().filter(fits);
    case 'uri':
      return fc.webUrl().filter(fits);
  }
  if (s.pattern !== undefined) return fc.stringMatching(new RegExp(s.pattern)).filter(fits);
  return fc.string({ minLength, maxLength: Math.min(maxLength, 80) });
}

function validInteger(s: JsonSchema): fc.Arbitrary<number> {
  const min = s.minimum ?? -INT32;
  const max = s.maximum ?? INT32;
  const excluded = s.not?.enum ?? [];
  return fc.oneof(fc.constantFrom(min, max), fc.integer({ min, max })).filter((n) => !excluded.includes(n));
}

/** Values the schema accepts. */
export function valid(s: JsonSchema): fc.Arbitrary<unknown> {
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.anyOf) return fc.oneof(...s.anyOf.map(valid));
  switch (s.type) {
    case 'string':
      return validString(s);
    case 'integer':
      return validInteger(s);
    case 'number':
      return fc.double({ min: s.minimum ?? -1e9, max: s.maximum ?? 1e9, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = s.minItems ?? 0;
      const maxLength = Math.min(s.maxItems ?? minLength + 4, minLength + 4);
      return fc.array(valid(s.items ?? {}), { minLength, maxLength });
    }
    case 'object': {
      const props = s.properties ?? {};
      const model = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, valid(v)]));
      return fc
        .record(model, { requiredKeys: s.required ?? [] })
        .filter((o) => Object.keys(o).length >= (s.minProperties ?? 0));
    }
    default:
      return fc.jsonValue();
  }
}

/** A value of another JSON type than the schema's. */
function wrongType(s: JsonSchema): fc.Arbitrary<unknown> {
  const others: fc.Arbitrary<unknown>[] = [];
  if (s.type !== 'string') others.push(fc.string({ maxLength: 8 }));
  if (s.type !== 'integer' && s.type !== 'number') others.push(fc.integer());
  if (s.type !== 'object') others.push(fc.constant({}));
  if (s.type !== 'array') others.push(fc.constant([]));
  others.push(fc.constant(null), fc.boolean());
  return fc.oneof(...others);
}

function invalidString(s: JsonSchema): fc.Arbitrary<unknown>[] {
  const out: fc.Arbitrary<unknown>[] = [fc.constantFrom(...HOSTILE_STRINGS)];
  if (s.maxLength !== undefined) out.push(fc.constant('a'.repeat(s.maxLength + 1)));
  if (s.format === 'date-time') {
    out.push(fc.constantFrom('2016-12-31T23:59:61Z', '2026-02-30T00:00:00Z', '2026-01-01', 'yesterday'));
  }
  return out;
}

function invalidInteger(s: JsonSchema): fc.Arbitrary<unknown>[] {
  const out: fc.Arbitrary<unknown>[] = [fc.constantFrom(1.5, 1e300, -0.5)];
  if (s.minimum !== undefined) out.push(fc.constant(s.minimum - 1));
  if (s.maximum !== undefined) out.push(fc.constant(s.maximum + 1));
  if (s.not?.enum) out.push(fc.constantFrom(...s.not.enum));
  return out;
}

function invalidObject(s: JsonSchema): fc.Arbitrary<unknown>[] {
  const props = Object.entries(s.properties ?? {});
  const out: fc.Arbitrary<unknown>[] = [];
  if (s.additionalProperties === false) {
    out.push(valid(s).map((o) => ({ ...(o as object), unexpected: '$ne' })));
  }
  for (const name of s.required ?? []) {
    out.push(
      valid(s).map((o) => Object.fromEntries(Object.entries(o as object).filter(([k]) => k !== name))),
    );
  }
  for (const [name, schema] of props) {
    out.push(fc.tuple(valid(s), invalid(schema)).map(([o, bad]) => ({ ...(o as object), [name]: bad })));
  }
  return out;
}

function invalidArray(s: JsonSchema): fc.Arbitrary<unknown>[] {
  const out: fc.Arbitrary<unknown>[] = [];
  if (s.minItems !== undefined && s.minItems > 0) out.push(fc.constant([]));
  if (s.maxItems !== undefined) {
    out.push(fc.array(valid(s.items ?? {}), { minLength: s.maxItems + 1, maxLength: s.maxItems + 1 }));
  }
  if (s.items) {
    out.push(fc.tuple(valid(s), invalid(s.items)).map(([list, bad]) => [...(list as unknown[]), bad]));
  }
  return out;
}

/** Values the schema refuses, one way of being wrong at a time (deep inside objects and arrays too). */
export function invalid(s: JsonSchema): fc.Arbitrary<unknown> {
  const ways: fc.Arbitrary<unknown>[] = [wrongType(s)];
  if (s.enum) ways.push(fc.constantFrom('NOPE', 'pending ', 'ORDERPLACED'));
  else if (s.type === 'string') ways.push(...invalidString(s));
  else if (s.type === 'integer') ways.push(...invalidInteger(s));
  else if (s.type === 'object') ways.push(...invalidObject(s));
  else if (s.type === 'array') ways.push(...invalidArray(s));
  return fc.oneof(...ways);
}
