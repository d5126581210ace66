// How a module declares the events it records: per type, a TypeBox schema of its data, a sentence saying what
// the fact means, and whether and how it goes up to the city platform. Each module keeps its declarations next
// to its code (`edge/<module>/events.ts`); `edge/event-catalogue.ts` assembles them into the one catalogue the
// event log checks every append against. docs/record.md says how to add a type.
import { Type as T, type TLiteral, type TNull, type TSchema, type TUnion } from '@sinclair/typebox';

/** A field leaf as uploaded: an identifier, a code, an integer, a time (ms), a boolean. Anything else stays here. */
export type UpstreamLeaf = 'id' | 'code' | 'int' | 'time' | 'bool';
/** An uploaded field's shape: a leaf, an object of allowed fields, or an array of one shape. */
export type UpstreamShape = UpstreamLeaf | { readonly [field: string]: UpstreamShape } | readonly [UpstreamShape];

/**
 * Bodies rebuilt rather than picked (edge/sync/upstream-projection.ts holds the derivations): `alarm-raised` the
 * national 项目报警信息 record, `alarm-handled` its handling state, `import-report` the ids an import touched.
 */
export type UpstreamDerivation = 'alarm-raised' | 'alarm-handled' | 'import-report';

/**
 * How an event goes up. Actors: experts' pseudonyms, devices and `system` as they are (`keep`); console users and
 * witnesses as a keyed pseudonym (`pseudonymise`); or not at all (`drop`). The body is the fields of `data`
 * that `body` lists (deny by default), or a derivation.
 */
export type UpstreamRule =
  | { readonly actor: 'keep' | 'pseudonymise' | 'drop'; readonly body: UpstreamShape; readonly derive?: undefined }
  | {
      readonly actor: 'keep' | 'pseudonymise' | 'drop';
      readonly derive: UpstreamDerivation;
      readonly body?: undefined;
    };

export interface EventSpec<S extends TSchema = TSchema> {
  /** What the fact means, in a sentence (for the next engineer and the auditor). */
  readonly description: string;
  /** Schema of the event's `data`; the append is refused when the data does not match it. */
  readonly data: S;
  /**
   * What the city platform receives of it. Absent: the event goes up withheld (only its chain position, time
   * and type) — raw positions, faces, names and free text never leave the venue. Review any rule with the
   * privacy officer.
   */
  readonly upstream?: UpstreamRule;
}

/** A module's event declarations; the literal keys become the event types the log accepts. */
export function defineEvents<const D extends Record<string, EventSpec>>(declarations: D): D {
  return declarations;
}

/** One of these strings (a union of literals the compiled check knows, unlike config's StringEnum). */
export function Literals<const V extends readonly [string, ...string[]]>(values: V) {
  return T.Union(values.map((v) => T.Literal(v))) as unknown as TUnion<{ [I in keyof V]: TLiteral<V[I]> } & TSchema[]>;
}

/** The schema or null: the record writes null, never leaves a field out, for "none". */
export function Nullable<S extends TSchema>(schema: S): TUnion<[S, TNull]> {
  return T.Union([schema, T.Null()]);
}
