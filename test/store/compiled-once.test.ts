import { describe, expect, it } from 'vitest';
import { compiledOnce } from '../../src/store/compiled-once.js';
import { statementBuilder } from '../../src/store/sqlite/sqlite-reads.js';

describe('compiledOnce', () => {
  const db = statementBuilder();
  const query = compiledOnce((org: number, from: number, to: number) =>
    db
      .selectFrom('events')
      .select('seq')
      .where('org_pk', '=', org)
      .where((eb) => eb.between('seq', from, to))
      .unionAll(db.selectFrom('events').select('seq').where('org_pk', '=', org))
      .limit(5),
  );

  it("binds each call's own values where the arguments stood, and keeps the query's constants", () => {
    const first = query(7, 10, 20).compile();
    const second = query(8, 1, 2).compile();
    expect(first.sql).toBe(second.sql);
    expect(first.parameters).toEqual([7, 10, 20, 7, 5]);
    expect(second.parameters).toEqual([8, 1, 2, 8, 5]);
  });

  it('compiles what building the query with the values compiles', () => {
    const built = db
      .selectFrom('events')
      .select('seq')
      .where('org_pk', '=', 3)
      .where((eb) => eb.between('seq', 4, 6))
      .unionAll(db.selectFrom('events').select('seq').where('org_pk', '=', 3))
      .limit(5)
      .compile();
    const once = query(3, 4, 6).compile();
    expect(once.sql).toBe(built.sql);
    expect(once.parameters).toEqual(built.parameters);
  });
});
