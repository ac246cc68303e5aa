// pnpm --filter @tollgate/example-ai-sdk demo: the AI SDK agent against a scripted model on a loopback port.
import { runExample } from './agent.js';
import { startExampleModel } from './model.js';

const model = await startExampleModel();
try {
  const run = await runExample(model.baseURL, (tool, input) => {
    console.log(`approval asked: ${tool} ${JSON.stringify(input)} -> approved`);
    return true;
  });
  console.log(`payments: ${JSON.stringify(run.payments)}`);
  console.log(`model: ${run.text}`);
} finally {
  await model.close();
}
