import { describe, expect, it } from 'vitest';
import { parseModelOutput } from '../../src/graph/text2cypher.js';
import { checkCypherStatically } from '../../src/stores/cypher-guard.js';

describe('checkCypherStatically', () => {
  it.each([
    'MATCH (e:Entity) RETURN e.name AS name LIMIT 10',
    "MATCH (e:Entity) WHERE e.name = 'a;b' RETURN e LIMIT 1",
    'MATCH (e:Entity) WHERE e.name = "x; DROP everything" RETURN e',
    "MATCH (e:Entity) WHERE e.name = 'it\\'s; fine' RETURN e",
    "MATCH (e:Entity) WHERE e.description CONTAINS 'LOAD CSV' OR e.name = 'apoc.create.node' RETURN e",
    "CALL db.index.fulltext.queryNodes('Entity_names', 'curie~') YIELD node, score RETURN node.name, score LIMIT 5",
    'CALL db.labels() YIELD label RETURN label',
    'call DB.relationshipTypes()',
    'CALL db.propertyKeys()',
    'CALL { MATCH (e:Entity) RETURN e LIMIT 3 } RETURN e.name',
    'MATCH (e:Entity) CALL (e) { MATCH (e)--(o) RETURN count(o) AS degree } RETURN e.name, degree',
    'MATCH (e:Entity) // a comment; with a semicolon\nRETURN e LIMIT 1',
    'MATCH (e:Entity) /* CALL apoc.x() ; LOAD CSV */ RETURN e',
    'MATCH (e:`Weird;Label`) RETURN e.`call` AS c',
    'MATCH (start:Entity)-[r]->(e) RETURN start.use, e.show, r.terminate',
    'MATCH (e:Entity) RETURN e.callCount, e.apocalypse AS x',
  ])('allows %s', (cypher) => {
    expect(checkCypherStatically(cypher)).toBeNull();
  });

  it.each([
    ["LOAD CSV FROM 'http://127.0.0.1:1/x' AS l RETURN l", /LOAD CSV/],
    ["load   csv with headers from 'file:///etc/passwd' as l return l", /LOAD CSV/],
    ["USING PERIODIC COMMIT LOAD\nCSV FROM 'x' AS l RETURN l", /LOAD CSV/],
    ['call dbms.killQuery("q-1")', /dbms/],
    ['CALL dbms.components()', /dbms/],
    ["CALL apoc.create.node(['X'], {})", /APOC/],
    ["RETURN apoc.text.join(['a'], ',')", /APOC/],
    ['CALL `apoc`.`create`.`node`([], {})', /APOC/],
    ['CALL apoc /* hidden */ . create.node([], {})', /APOC/],
    ["CALL db.createLabel('X')", /db\.createLabel is not allowed/],
    ['CALL db.awaitIndexes(10)', /not allowed/],
    ['CALL db.index.fulltext.drop("x")', /not allowed/],
    ['CALL `db.createLabel`("X")', /not allowed/],
    ['MATCH (n) RETURN n; MATCH (m) DETACH DELETE m', /one statement/],
    ["MATCH (n) WHERE n.name = 'a' ; CREATE (:X)", /one statement/],
    ['USE system SHOW USERS', /USE/],
    ['MATCH (n) CALL { USE neo4j MATCH (m) RETURN m } RETURN n', /USE/],
    [':param x => 1', /shell/],
    ['  :use system', /shell/],
    ['MATCH (n)\n:begin\nRETURN n', /shell/],
    ["TERMINATE TRANSACTIONS 'neo4j-transaction-1'", /TERMINATE/],
    ['SHOW TRANSACTIONS YIELD transactionId, currentQuery', /SHOW/],
    ['show settings', /SHOW/],
    ["MATCH (n) WHERE n.name = 'unterminated RETURN n", /unterminated/],
    ['MATCH (n) /* never closed RETURN n', /unterminated/],
    ['', /empty/],
  ])('refuses %s', (cypher, why) => {
    expect(checkCypherStatically(cypher)).toMatch(why);
  });
});

describe('parseModelOutput', () => {
  it('reads JSON, fenced JSON, JSON in prose, and ```cypher blocks; drops a trailing ;', () => {
    expect(parseModelOutput('{"cypher": "MATCH (n) RETURN n LIMIT 1;"}')).toEqual({ kind: 'cypher', cypher: 'MATCH (n) RETURN n LIMIT 1' });
    expect(parseModelOutput('```json\n{"cypher": "RETURN 1"}\n```')).toEqual({ kind: 'cypher', cypher: 'RETURN 1' });
    expect(parseModelOutput('Sure! Here it is: {"cypher": "RETURN 2"} Hope that helps.')).toEqual({ kind: 'cypher', cypher: 'RETURN 2' });
    expect(parseModelOutput('Here:\n```cypher\nMATCH (n)\nRETURN n\n```\n')).toEqual({ kind: 'cypher', cypher: 'MATCH (n)\nRETURN n' });
    expect(parseModelOutput('{"query": "RETURN 3"}')).toEqual({ kind: 'cypher', cypher: 'RETURN 3' });
  });

  it('treats {"cypher": null} as the model declining', () => {
    expect(parseModelOutput('{"cypher": null, "reason": "no such data"}')).toEqual({ kind: 'declined', reason: 'no such data' });
  });

  it('anything else is unusable', () => {
    expect(parseModelOutput('MATCH (n) RETURN n').kind).toBe('unusable');
    expect(parseModelOutput('I cannot help with that.').kind).toBe('unusable');
    expect(parseModelOutput('{"cypher": 42}').kind).toBe('unusable');
    expect(parseModelOutput('{"cypher": "MATCH (n) RETURN').kind).toBe('unusable');
    expect(parseModelOutput('   ').kind).toBe('unusable');
  });
});
