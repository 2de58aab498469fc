// The order steps the console offers are those yingji-incidents' OrderStatus::step accepts:
// the next one and cancelling while active, nothing once completed or cancelled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { orderStepsFrom } from '../src/incident-vocabulary.js';

test('each active status offers its next step and cancelling', () => {
  assert.deepEqual(orderStepsFrom('proposed'), ['sent', 'cancelled']);
  assert.deepEqual(orderStepsFrom('sent'), ['accepted', 'cancelled']);
  assert.deepEqual(orderStepsFrom('accepted'), ['en_route', 'cancelled']);
  assert.deepEqual(orderStepsFrom('en_route'), ['on_scene', 'cancelled']);
  assert.deepEqual(orderStepsFrom('on_scene'), ['completed', 'cancelled']);
});

test('a finished or unknown order offers nothing', () => {
  for (const status of ['completed', 'cancelled', 'lost']) assert.deepEqual(orderStepsFrom(status), [], status);
});
