// A tail worker: receives trace events and hands them to a Rust capability.
export default {
  async tail(events, env) {
    await env.RECORDER.record(events.map((e) => ({ outcome: e.outcome, logs: e.logs.map((l) => l.message[0]), workerId: e.workerId })));
  },
};
