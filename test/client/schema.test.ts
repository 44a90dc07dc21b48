/**
 * The client's generated types are the ones the gateway's current OpenAPI document generates: a route or schema
 * changed without `npm run client:generate` fails here, naming the first line that differs.
 */
import { readFile } from 'node:fs/promises';
import { generateSchema, SCHEMA_FILE } from '../../clients/typescript/scripts/generate.js';

test('the committed clients/typescript/src/schema.ts is what the current document generates', async () => {
  const [committed, generated] = await Promise.all([readFile(SCHEMA_FILE, 'utf8'), generateSchema()]);
  const committedLines = committed.split('\n');
  const generatedLines = generated.split('\n');
  const first = generatedLines.findIndex((line, i) => line !== committedLines[i]);
  const differs =
    first === -1 && committedLines.length === generatedLines.length
      ? null
      : `line ${first + 1}: committed ${JSON.stringify(committedLines[first])}, ` +
        `generated ${JSON.stringify(generatedLines[first])}; run npm run client:generate`;
  expect(differs).toBeNull();
});

test('the generated types name every operation of the document', async () => {
  const generated = await generateSchema();
  for (const operation of ['getCustomer', 'batchLookup', 'searchCustomers', 'getCustomerLinks', 'listCustomers'])
    expect(generated).toContain(`    ${operation}: {`);
});
