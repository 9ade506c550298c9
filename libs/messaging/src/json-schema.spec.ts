import { schemaProblems } from './json-schema';

describe('schemaProblems (the event catalogue\'s JSON-schema checker)', () => {
  it('refuses a missing, mistyped, undeclared or unrequired field', () => {
    const schema = { type: 'object', required: ['id', 'n'], properties: { id: { type: 'string', format: 'uuid' }, n: { type: 'integer', minimum: 1 }, flag: { type: 'boolean' } } };
    expect(schemaProblems(schema, { id: '11111111-1111-4111-8111-111111111111', n: 1 })).toEqual([]);
    expect(schemaProblems(schema, { id: 'x', n: 0, flag: true, extra: 1 })).toEqual([
      '$.id: x is not a uuid',
      '$.n: 0 < 1',
      '$.flag: the data always carries it, the schema does not require it',
      '$.extra: not declared in the schema',
    ]);
    expect(schemaProblems(schema, { n: 1.5 })).toEqual(['$: lacks required id', '$.n: is number, schema wants integer']);
    expect(schemaProblems({ type: 'object', oneOf: [] }, {})).toEqual(['$: schema uses unsupported keywords oneOf']);
  });

  it('lets one event on its own carry an optional field, and still refuses an undeclared or mistyped one', () => {
    const schema = { type: 'object', required: ['id'], properties: { id: { type: 'string' }, flag: { type: 'boolean' } } };
    expect(schemaProblems(schema, { id: 'a', flag: true }, { allCarried: false })).toEqual([]);
    expect(schemaProblems(schema, { id: 'a', flag: 'yes', extra: 1 }, { allCarried: false })).toEqual(['$.flag: is string, schema wants boolean', '$.extra: not declared in the schema']);
  });
});
