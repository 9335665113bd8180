import type { DecidedEvent, Decider } from '../command-handling/handle-command';

/** One command as a handler decided it: the state it was decided on, and what it decided. */
export interface PlayedCommand<Command, State, Event> {
  command: Command;
  before: State;
  outcome: Event[] | 'rejected';
}

/**
 * Runs inputs through a decider as the command handler does (decide on the state of everything stored so
 * far, store what it decides), for property tests. `toCommand` makes each input a command on the state
 * reached (a clock, a context read from it).
 */
export function playDecider<Command, State, Event extends DecidedEvent, Input = Command>(
  decider: Decider<Command, State, Event>,
  inputs: readonly Input[],
  toCommand: (input: Input, state: State) => Command = (input) => input as unknown as Command,
): { state: State; history: Event[]; steps: PlayedCommand<Command, State, Event>[] } {
  let state = decider.initialState();
  const history: Event[] = [];
  const steps: PlayedCommand<Command, State, Event>[] = [];
  for (const input of inputs) {
    const command = toCommand(input, state);
    const decided = decider.decide(command, state);
    steps.push({ command, before: state, outcome: Array.isArray(decided) ? decided : 'rejected' });
    if (Array.isArray(decided)) {
      history.push(...decided);
      state = decided.reduce(decider.evolve, state);
    }
  }
  return { state, history, steps };
}

/** A value as PostgreSQL's jsonb gives it back: JSON, its keys ordered by length, then bytes. */
export function asStoredInJsonb(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(asStoredInJsonb);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(JSON.parse(JSON.stringify(value)) as Record<string, unknown>)
      .sort(([a], [b]) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, asStoredInJsonb(v)]),
  );
}

/**
 * Decides each played command again, on a state folded from the events as the store gives them back
 * (asStoredInJsonb), instead of the state kept in memory: `check` compares the two outcomes of each command.
 * A decider that compares data by its JSON text, for one, decides differently here. Returns the folded state.
 */
export function decideOnStoredEvents<Command, State, Event extends DecidedEvent>(
  decider: Decider<Command, State, Event>,
  played: { history: readonly Event[]; steps: readonly PlayedCommand<Command, State, Event>[] },
  check: (step: PlayedCommand<Command, State, Event>, fromStore: Event[] | 'rejected') => void,
): State {
  let state = decider.initialState();
  let folded = 0;
  for (const step of played.steps) {
    const decided = decider.decide(step.command, state);
    check(step, Array.isArray(decided) ? decided : 'rejected');
    const added = Array.isArray(decided) ? decided.length : 0;
    for (const event of played.history.slice(folded, folded + added))
      state = decider.evolve(state, asStoredInJsonb(event) as Event);
    folded += added;
  }
  return state;
}
