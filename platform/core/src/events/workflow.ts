import type { WorkflowDefinition, WorkflowTransition } from '@shequ/db';
import { type AnyStateMachine, createMachine, transition } from 'xstate';
import { AppError } from '../errors.ts';

/** Staff who handle events in a community. */
export const handlerRoles = ['community_admin', 'property_staff', 'grid_worker'] as const;
const dispatchers = ['community_admin', 'property_staff'];

/**
 * The platform's default workflow: reported → accepted → assigned → in progress → resolved → rated → closed, with
 * reopen from resolved or rated. SLA minutes per state: how long an event may wait there before escalation.
 */
export const defaultWorkflow: WorkflowDefinition = {
  initial: 'reported',
  states: [
    { name: 'reported', zh: '已上报', en: 'Reported', slaMinutes: 30 },
    { name: 'accepted', zh: '已受理', en: 'Accepted', slaMinutes: 60 },
    { name: 'assigned', zh: '已派单', en: 'Assigned', slaMinutes: 60 },
    { name: 'in_progress', zh: '处理中', en: 'In progress', slaMinutes: 240 },
    { name: 'resolved', zh: '已办结', en: 'Resolved', slaMinutes: 4320 },
    { name: 'rated', zh: '已评价', en: 'Rated', slaMinutes: 1440 },
    { name: 'closed', zh: '已关闭', en: 'Closed', final: true, slaMinutes: null },
  ],
  transitions: [
    { event: 'accept', from: ['reported'], to: 'accepted', roles: [...handlerRoles] },
    {
      event: 'assign',
      from: ['reported', 'accepted', 'assigned'],
      to: 'assigned',
      roles: dispatchers,
      needsAssignee: true,
    },
    { event: 'start', from: ['assigned'], to: 'in_progress', roles: ['assignee'] },
    { event: 'resolve', from: ['in_progress'], to: 'resolved', roles: ['assignee'] },
    { event: 'rate', from: ['resolved'], to: 'rated', roles: ['reporter'], needsRating: true },
    { event: 'close', from: ['resolved', 'rated'], to: 'closed', roles: dispatchers },
    { event: 'reopen', from: ['resolved', 'rated'], to: 'assigned', roles: ['reporter', ...dispatchers] },
  ],
};

export const transitionNames: Record<string, { zh: string; en: string }> = {
  report: { zh: '上报', en: 'report' },
  accept: { zh: '受理', en: 'accept' },
  assign: { zh: '派单', en: 'assign' },
  start: { zh: '开始处理', en: 'start' },
  resolve: { zh: '办结', en: 'resolve' },
  rate: { zh: '评价', en: 'rate' },
  close: { zh: '关闭', en: 'close' },
  reopen: { zh: '重新打开', en: 'reopen' },
};

const nameRe = /^[a-z][a-z0-9_]{0,39}$/;
const invalid = (zh: string, en: string) => new AppError('INVALID_INPUT', { zh, en });

/** Checks a workflow that arrives as data (a plugin's declaration): names, targets, a reachable final state. */
export function checkWorkflow(def: WorkflowDefinition): WorkflowDefinition {
  const states = new Set<string>();
  if (!Array.isArray(def.states) || def.states.length < 2 || def.states.length > 30)
    throw invalid('流程需要 2 到 30 个状态', 'A workflow has 2 to 30 states');
  for (const s of def.states) {
    if (!nameRe.test(s.name) || states.has(s.name))
      throw invalid(`状态名“${s.name}”无效或重复`, `State name "${s.name}" is invalid or repeated`);
    if (s.slaMinutes != null && (!Number.isInteger(s.slaMinutes) || s.slaMinutes < 1 || s.slaMinutes > 525_600))
      throw invalid('时限须为 1 到 525600 分钟', 'An SLA is 1 to 525,600 minutes');
    states.add(s.name);
  }
  if (!states.has(def.initial)) throw invalid('初始状态不存在', `The initial state "${def.initial}" is not a state`);
  if (!def.states.some((s) => s.final)) throw invalid('流程需要一个终止状态', 'A workflow needs a final state');
  if (!Array.isArray(def.transitions) || def.transitions.length === 0 || def.transitions.length > 100)
    throw invalid('流程需要 1 到 100 个流转', 'A workflow has 1 to 100 transitions');
  const seen = new Set<string>();
  for (const t of def.transitions) {
    if (!nameRe.test(t.event)) throw invalid(`流转名“${t.event}”无效`, `Transition name "${t.event}" is invalid`);
    if (!states.has(t.to)) throw invalid(`流转目标“${t.to}”不存在`, `Transition target "${t.to}" is not a state`);
    if (!Array.isArray(t.roles) || t.roles.length === 0)
      throw invalid(`流转“${t.event}”未指定角色`, `Transition "${t.event}" names no role`);
    for (const f of t.from) {
      if (!states.has(f)) throw invalid(`流转起点“${f}”不存在`, `Transition source "${f}" is not a state`);
      const key = `${f}|${t.event}`;
      if (seen.has(key))
        throw invalid(`状态“${f}”的流转“${t.event}”重复`, `Transition "${t.event}" from "${f}" is repeated`);
      seen.add(key);
    }
  }
  return def;
}

// One machine per workflow row: rows never change, so the cache key is the id.
const machines = new Map<string, AnyStateMachine>();

/** The XState machine of a workflow: one state node per state, one `on` entry per transition and source. */
export function machineOf(id: string, def: WorkflowDefinition): AnyStateMachine {
  const hit = machines.get(id);
  if (hit) return hit;
  const states: Record<string, { type?: 'final'; on?: Record<string, { target: string }> }> = {};
  for (const s of def.states) states[s.name] = s.final ? { type: 'final' } : { on: {} };
  for (const t of def.transitions) {
    for (const f of t.from) {
      const node = states[f];
      if (node.on) node.on[t.event] = { target: t.to };
    }
  }
  const machine = createMachine({ id: `workflow-${id}`, initial: def.initial, states });
  if (machines.size > 1000) machines.clear();
  machines.set(id, machine);
  return machine;
}

/**
 * The state after `event` in `state`, computed by XState's pure `transition`; null when the workflow has no such
 * transition from that state.
 */
export function nextState(id: string, def: WorkflowDefinition, state: string, event: string): string | null {
  const machine = machineOf(id, def);
  const snapshot = machine.resolveState({ value: state, context: {} });
  if (!snapshot.can({ type: event })) return null;
  const [next] = transition(machine, snapshot, { type: event });
  return String(next.value);
}

/** The transition definition (roles, assignee, rating) for an event from a state. */
export function transitionOf(def: WorkflowDefinition, state: string, event: string): WorkflowTransition | undefined {
  return def.transitions.find((t) => t.event === event && t.from.includes(state));
}

/** The transitions an actor with these roles may take from a state. */
export function availableTransitions(def: WorkflowDefinition, state: string, roles: readonly string[]): string[] {
  return def.transitions
    .filter((t) => t.from.includes(state) && t.roles.some((r) => roles.includes(r)))
    .map((t) => t.event);
}

export const slaOf = (def: WorkflowDefinition, state: string) =>
  def.states.find((s) => s.name === state)?.slaMinutes ?? null;
