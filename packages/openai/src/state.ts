import { createAjv, formatSchemaErrors } from '@tollgate/core';
import { ResumeInputError } from './errors.js';
import type { OpenAIApi, RunState } from './types.js';

const object = { type: 'object' };
const stringField = { type: 'string', minLength: 1 };

/** JSON Schema of a schema-version-1 {@link RunState}. */
export const runStateSchema = {
  type: 'object',
  required: [
    'schemaVersion',
    'api',
    'model',
    'conversation',
    'pendingCalls',
    'approvalIds',
    'turnOutputs',
    'round',
    'context',
    'request',
  ],
  properties: {
    schemaVersion: { const: 1 },
    api: { enum: ['chat', 'responses'] },
    model: { type: 'string' },
    conversation: {
      oneOf: [
        {
          type: 'object',
          required: ['api', 'messages'],
          properties: { api: { const: 'chat' }, messages: { type: 'array', items: object } },
        },
        {
          type: 'object',
          required: ['api', 'input', 'unsent'],
          properties: {
            api: { const: 'responses' },
            input: { type: 'array', items: object },
            previousResponseId: { type: 'string' },
            unsent: { type: 'integer', minimum: 0 },
          },
        },
      ],
    },
    pendingCalls: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['approvalId', 'tool', 'args', 'callId', 'index'],
        properties: {
          approvalId: stringField,
          tool: stringField,
          args: object,
          callId: stringField,
          reason: { type: 'string' },
          message: { type: 'string' },
          index: { type: 'integer', minimum: 0 },
        },
      },
    },
    approvalIds: { type: 'array', items: { type: 'string' } },
    turnOutputs: { type: 'array', items: { anyOf: [object, { type: 'null' }] } },
    round: { type: 'integer', minimum: 0 },
    context: object,
    request: object,
  },
};

let validate: ReturnType<ReturnType<typeof createAjv>['compile']> | undefined;

/**
 * Checks that `state` is a run state this adapter can resume: the schema, the API, and one `null` output
 * slot for each pending call and no other. Throws {@link ResumeInputError} (`invalid_run_state`) otherwise.
 */
export function assertRunState(state: unknown, api: OpenAIApi): asserts state is RunState {
  validate ??= createAjv().compile(runStateSchema);
  if (!validate(state)) {
    throw new ResumeInputError('invalid_run_state', `Not a run state: ${formatSchemaErrors(validate.errors)}.`);
  }
  const s = state as RunState;
  if (s.api !== api || s.conversation.api !== api) {
    throw new ResumeInputError('invalid_run_state', `This adapter speaks the ${api} API; the state is for ${s.api}.`);
  }
  for (const p of s.pendingCalls) {
    if (s.turnOutputs[p.index] !== null) {
      throw new ResumeInputError('invalid_run_state', `Pending call ${p.callId} has no open output slot.`);
    }
  }
  // An open slot no pending call fills would reach the model as a null message after the approved calls ran.
  if (s.turnOutputs.filter((o) => o === null).length !== s.pendingCalls.length) {
    throw new ResumeInputError('invalid_run_state', 'The open output slots do not match the pending calls.');
  }
}
